import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A stand-in project with the runtime's layout (workspace `runtime`, entry
 * runtime/dist/server/main.js, /livez and /readyz, PORT, I2V_MODEL, I2V_DATA_DIR) and one small
 * registry dependency, so the baking mechanics are tested in seconds and independently of the
 * real runtime. The real runtime has its own test (bake-runtime.test.ts).
 */
export async function fixtureApp(marker = "v1"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-fixture-"));
  await writeFile(
    path.join(dir, "package.json"),
    JSON.stringify(
      {
        name: "fixture",
        version: "1.0.0",
        private: true,
        type: "module",
        workspaces: ["runtime"],
        devDependencies: { "is-number": "7.0.0" },
      },
      null,
      2,
    ),
  );
  await mkdir(path.join(dir, "runtime", "dist", "server"), { recursive: true });
  await writeFile(
    path.join(dir, "runtime", "package.json"),
    JSON.stringify(
      { name: "@i2v/runtime", version: "0.0.0", type: "module", dependencies: { ms: "2.1.3" } },
      null,
      2,
    ),
  );
  await writeMain(dir, marker);
  await run("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: dir,
  });
  return dir;
}

/** Rewrites the app's code only (what a code-only change is). */
export async function writeMain(dir: string, marker: string): Promise<void> {
  const main = `import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import ms from "ms";
// The data dir must be writable by the non-root user: readiness depends on it.
writeFileSync(process.env.I2V_DATA_DIR + "/ready", "ok");
const body = JSON.stringify({ marker: ${JSON.stringify(marker)}, model: process.env.I2V_MODEL, uid: process.getuid(), node: process.version, ms: ms("1m") });
createServer((req, res) => {
  if (req.url === "/livez" || req.url === "/readyz" || req.url === "/v1/system") { res.writeHead(200, { "content-type": "application/json" }); res.end(body); return; }
  res.writeHead(404); res.end();
}).listen(Number(process.env.PORT ?? 7860), "0.0.0.0");
`;
  await writeFile(path.join(dir, "runtime", "dist", "server", "main.js"), main);
}
