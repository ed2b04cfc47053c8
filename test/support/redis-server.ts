import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitForPort } from "./free-port.ts";
import { hasTool } from "./tools.ts";

/** Debian's redis-server, the one .ci/run installs. */
export const REDIS_SERVER = "/usr/bin/redis-server";

export function hasRedisServer(): boolean {
  return hasTool(REDIS_SERVER);
}

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** kill -9 (no shutdown save: only the append-only file keeps what was acknowledged). */
  kill(): Promise<void>;
  /** Starts again on the same port and folder (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port with its own folder, configured as docs/scale-out.md
 * asks for the queue: append-only file fsynced on every write, no RDB snapshots, `noeviction`.
 */
export async function startRedis(extra: string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "i2v-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--maxmemory-policy",
    "noeviction",
    ...extra,
  ];
  const redis: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: undefined as unknown as ChildProcess,
    async kill() {
      const exited = new Promise((r) => redis.process.once("exit", r));
      redis.process.kill("SIGKILL");
      await exited;
    },
    async restart() {
      redis.process = launch();
      await waitForPort(port);
    },
    async stop() {
      if (redis.process.exitCode === null && redis.process.signalCode === null) await redis.kill();
    },
  };
  const launch = () => spawn(REDIS_SERVER, args, { stdio: "ignore" });
  redis.process = launch();
  await waitForPort(port);
  return redis;
}
