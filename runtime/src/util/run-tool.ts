import { execa, execaSync } from "execa";

export interface ToolOptions {
  /** Kill the tool after this long (execa then says it timed out). */
  timeoutMs?: number;
  cwd?: string;
  /** Added to the process environment. */
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/**
 * The one way the repository runs a tool (ffprobe, nvidia-smi, docker's and npm's CLIs, python):
 * execa, so a failure is execa's rich error (the command line, the exit code, signal or timeout,
 * and the tool's own stderr in its message) instead of each caller cutting its own stderr tail.
 * ffmpeg stays behind its writer (encode/mp4-writer.ts, fluent-ffmpeg).
 */
export async function runTool(
  file: string,
  args: readonly string[],
  options: ToolOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await execa(file, args, {
    timeout: options.timeoutMs,
    cwd: options.cwd,
    env: options.env,
    input: options.input,
  });
  return { stdout, stderr };
}

/**
 * The same with the tool's output going straight to this terminal (an export or an upload that
 * prints its progress for minutes): nothing is captured; a failure is execa's error (the command
 * line, the exit code or signal).
 */
export async function runToolInTerminal(
  file: string,
  args: readonly string[],
  options: ToolOptions = {},
): Promise<void> {
  await execa(file, args, {
    stdio: "inherit",
    timeout: options.timeoutMs,
    cwd: options.cwd,
    env: options.env,
  });
}

/** The same for a tool whose output is bytes (decoded frames): stdout as a buffer, up to `maxBytes`. */
export async function runToolForBytes(
  file: string,
  args: readonly string[],
  maxBytes: number,
  options: ToolOptions = {},
): Promise<Uint8Array> {
  const { stdout } = await execa(file, args, {
    timeout: options.timeoutMs,
    cwd: options.cwd,
    env: options.env,
    encoding: "buffer",
    maxBuffer: maxBytes,
  });
  return stdout;
}

/** The same, blocking: for the few places that must answer synchronously (finding a tool at import). */
export function runToolSync(
  file: string,
  args: readonly string[],
  options: ToolOptions = {},
): { stdout: string; stderr: string } {
  const { stdout, stderr } = execaSync(file, args, {
    timeout: options.timeoutMs,
    cwd: options.cwd,
    env: options.env,
    input: options.input,
  });
  return { stdout, stderr };
}
