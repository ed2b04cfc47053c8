// Runs infra/index.ts the way `pulumi up` loads it (node --import tsx, ESM, .ts specifiers), but
// against Pulumi's mocks, and prints the stack outputs as JSON. Used by program.test.ts.
import * as pulumi from "@pulumi/pulumi";
import { installMocks, resolved, settle } from "./pulumi-mocks.ts";

const config = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
pulumi.runtime.setAllConfig(config);
const recorded = await installMocks("program");
const program = (await import("../../index.ts")) as Record<string, unknown>;
const outputs: Record<string, unknown> = {};
for (const [name, value] of Object.entries(program)) {
  outputs[name] = pulumi.Output.isInstance(value) ? await resolved(value) : value;
}
await settle(recorded.resources);
console.log(JSON.stringify({ outputs, types: recorded.resources.map((r) => r.type).sort() }));
