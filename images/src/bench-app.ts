import { appendFile, cp, mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * A copy of the project's runtime for image benchmarks: the real package.json, lockfile and the
 * runtime's package.json (so the real dependencies install: onnxruntime-node, sharp, ffmpeg),
 * plus `runtime/dist` when it is built, or else a small entry that loads those native modules and
 * answers /readyz, so the figures exist before the runtime's server lands.
 */
export async function stageBenchApp(projectDir: string): Promise<{ dir: string; realRuntime: boolean }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-bench-app-"));
  for (const f of ["package.json", "package-lock.json", "runtime/package.json"])
    await cp(path.join(projectDir, f), path.join(dir, f));
  const dist = path.join(projectDir, "runtime", "dist", "server", "main.js");
  const realRuntime = await stat(dist).then(
    () => true,
    () => false,
  );
  if (realRuntime)
    await cp(path.join(projectDir, "runtime", "dist"), path.join(dir, "runtime", "dist"), {
      recursive: true,
    });
  else await writeBenchEntry(dir, "v1");
  return { dir, realRuntime };
}

/** A code-only change: a comment appended to the entry (real or stand-in). */
export async function changeCode(dir: string): Promise<void> {
  await appendFile(
    path.join(dir, "runtime", "dist", "server", "main.js"),
    `\n// bench change ${Date.now()}\n`,
  );
}

/** The stand-in entry. */
export async function writeBenchEntry(dir: string, marker: string): Promise<void> {
  await mkdir(path.join(dir, "runtime", "dist", "server"), { recursive: true });
  await writeFile(
    path.join(dir, "runtime", "dist", "server", "main.js"),
    `// ${marker}
import { createServer } from "node:http";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
const facts = JSON.stringify({ ort: ort.env.versions?.node ?? "loaded", sharp: sharp.versions.vips });
createServer((q, r) => { r.writeHead(q.url === "/readyz" || q.url === "/livez" ? 200 : 404); r.end(facts); })
  .listen(Number(process.env.PORT ?? 7860), "0.0.0.0");
`,
  );
}
