import { spawn } from "node:child_process";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../client/api-client.ts";
import type { ClientError } from "../../client/api-error.ts";
import { runSmoke } from "../../client/smoke.ts";
import { waitReady } from "../../client/wait-ready.ts";
import { startService, type TestService } from "../support/service.ts";
import { makeTestCa } from "../support/test-ca.ts";

// `npm run smoke` on a user's mistake (a wrong port, the wrong scheme, no scheme) fails in seconds
// with the cause and the fix; only a service that is there and starting is waited for.

/** The CLI as a user runs it: exit code, output, and how long it took (Node and tsx start-up included). */
async function cli(args: string[]): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/smoke.ts", ...args], { stdio: "pipe" });
  let stderr = "";
  child.stdout.on("data", (d) => (stderr += d));
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stderr, seconds: (performance.now() - started) / 1000 };
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A user error: one line of cause, one of fix, no stack trace, exit code 1, well within 30 s. */
function expectUserError(run: { code: number | null; stderr: string; seconds: number }) {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^error: .+\nhint: .+/m);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toContain("This is a bug");
  expect(run.seconds).toBeLessThan(30);
}

describe("npm run smoke on a user's mistake", () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService({ waitReady: false });
  }, 120_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("fails in seconds on a closed port, saying nothing listens there", async () => {
    const port = await closedPort();
    const run = await cli(["--url", `http://127.0.0.1:${port}`]);
    expectUserError(run);
    expect(run.stderr).toContain(`error: Nothing is listening at 127.0.0.1:${port}`);
    expect(run.stderr).toMatch(/hint: Start the runtime \(npm start.*\) or fix the port in --url/);
  });

  it("fails in seconds on https:// against the plain-HTTP runtime, naming the scheme to use", async () => {
    const url = service.url.replace(/^http:/, "https:");
    const run = await cli(["--url", url]);
    expectUserError(run);
    expect(run.stderr).toContain(`error: ${url} does not speak HTTPS`);
    expect(run.stderr).toContain(`hint: Use ${service.url}:`);
  });

  it("fails at once on a URL without a scheme, showing it written in full", async () => {
    const bare = service.url.replace(/^http:\/\//, "");
    const run = await cli(["--url", bare]);
    expectUserError(run);
    expect(run.stderr).toContain(`error: --url ${bare} has no scheme (http:// or https://).`);
    expect(run.stderr).toContain(`--url http://${bare}`);
  });

  it("fails in seconds on http:// against an HTTPS server, naming https://", async () => {
    const certs = await makeTestCa();
    const server = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => {
      res.writeHead(200).end("{}");
    });
    const port = await listening(server);
    try {
      const started = performance.now();
      const error = await runSmoke({ url: `http://127.0.0.1:${port}`, timeoutS: 60 }).catch(
        (e: ClientError) => e,
      );
      expect((error as ClientError).code).toBe("wrong_protocol");
      expect((error as ClientError).hint).toContain(`https://127.0.0.1:${port}`);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      server.close();
    }
  });
});

describe("waitReady while the service is starting", () => {
  it("waits, reporting progress, while the service answers 503, and returns once it is ready", async () => {
    const readyAt = Date.now() + 2500;
    const server = createHttpServer((_req, res) => {
      const ready = Date.now() >= readyAt;
      res.writeHead(ready ? 200 : 503, { "content-type": "application/json" });
      res.end(ready ? '{"status":"ready"}' : '{"status":"loading model"}');
    });
    const port = await listening(server);
    try {
      const lines: string[] = [];
      const body = await waitReady(new ApiClient(`http://127.0.0.1:${port}`), 20_000, undefined, 200, {
        refusedGraceMs: 1000,
        onWait: (line) => lines.push(line),
        progressEveryMs: 1000,
      });
      expect(body).toContain("ready");
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0]).toMatch(/still waiting for .*\/readyz \(\d+ s of 20 s\): HTTP 503 .*loading model/);
    } finally {
      server.close();
    }
  });
});
