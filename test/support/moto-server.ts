import { type ChildProcess, spawn } from "node:child_process";
import { freePort, waitForPort } from "./free-port.ts";
import { hasTool } from "./tools.ts";

/** moto's real server (PyPI `moto[server]`, pinned in .ci/run): S3 and CloudWatch over HTTP. */
export function hasMotoServer(): boolean {
  return hasTool("moto_server", ["--help"]);
}

export interface TestMoto {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
  /** The AWS SDK environment that points every client at this server. */
  env: Record<string, string>;
}

export async function startMoto(): Promise<TestMoto> {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  await waitForPort(port, 30_000);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    process: child,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
