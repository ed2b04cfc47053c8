// Runs infra/index.ts the way `pulumi up` loads it (node --import tsx, ESM, .ts specifiers), but
// against Pulumi's mocks, and prints the preview (outputs, resources) as JSON. Used by program.test.ts.
import { previewProgram } from "../../preview/run-program.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
const preview = await previewProgram("program", config);
console.log(JSON.stringify({ ...preview, types: preview.resources.map((r) => r.type).sort() }));
