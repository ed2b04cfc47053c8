import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const tsx = createRequire(import.meta.url).resolve("tsx");

/**
 * Runs `bench/runtime/<script>` in a fresh Node process (through tsx) and parses the JSON on its
 * last line of output. A fresh process has the heap and allocator state a service start has,
 * instead of whatever the suites before left in the bench's own process.
 */
export async function runChild<T>(script: string, args: string[]): Promise<T> {
  const file = path.join(import.meta.dirname, script);
  const { stdout } = await run(process.execPath, ["--import", tsx, file, ...args], { maxBuffer: 8 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as T;
}
