import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiClient } from "../../client/api-client.ts";
import { ClientError } from "../../client/api-error.ts";
import { waitReady as waitForReady } from "../../client/wait-ready.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

export interface ServiceOptions {
  env?: Record<string, string>;
  /** Reuse a data folder (restart tests); default: a fresh temporary one. */
  dataDir?: string;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
}

export interface TestService {
  url: string;
  dataDir: string;
  process: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM (drain) and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts the real service (`npm start`'s entry point) as a child process on a free loopback port,
 * with its own data folder, the demo model, and the shared test cache for the model build.
 */
export async function startService(options: ServiceOptions = {}): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "i2v-service-"));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "runtime/src/server/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      I2V_HOST: "127.0.0.1",
      I2V_DATA_DIR: dataDir,
      I2V_CACHE_DIR: process.env.I2V_TEST_CACHE_DIR ?? path.join(os.tmpdir(), "i2v-test-cache"),
      I2V_THREADS: "2",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (https?:\/\/[\d.]+:\d+)/.exec(output);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`service exited (${code}) before listening:\n${output}`));
    });
  });
  const service: TestService = {
    url,
    dataDir,
    process: child,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  if (options.waitReady ?? true) await waitReady(service);
  return service;
}

/** Polls /readyz until the model is loaded (or the process dies). */
export async function waitReady(service: TestService, timeoutMs = 60_000, token?: string): Promise<void> {
  const exited = () => {
    if (service.process.exitCode !== null) throw new Error(`service exited:\n${service.output()}`);
  };
  try {
    await waitForReady(new ApiClient(service.url, token), timeoutMs, undefined, 100, { beforePoll: exited });
  } catch (error) {
    if (!(error instanceof ClientError && error.code === "not_ready")) throw error;
    throw new Error(`service not ready after ${timeoutMs} ms:\n${service.output()}`);
  }
}
