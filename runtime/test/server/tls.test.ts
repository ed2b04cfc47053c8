import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { Agent, FormData, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startService, type TestService } from "../../../test/support/service.ts";
import { makeTestCa, type TestCertificates, writeCertificates } from "../../../test/support/test-ca.ts";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { readTlsFiles } from "../../src/server/tls.ts";
import { goodImage } from "../reliability/inputs.ts";
import { TINY } from "./helpers.ts";

/** The real process with I2V_TLS_CERT/I2V_TLS_KEY, a CA made here, and real clients (curl, undici). */
const TOKEN = "tls-token-0123456789abcdef";
const run = promisify(execFile);
let dir: string;
let certs: TestCertificates;
let files: { ca: string; cert: string; key: string };
let service: TestService;

const agentFor = (caPem: string) => new Agent({ connect: { ca: caPem } });
const get = (p: string, caPem = certs.caPem) =>
  undiciFetch(`${service.url}${p}`, {
    dispatcher: agentFor(caPem),
    headers: { authorization: `Bearer ${TOKEN}` },
  });

/** curl's exit code and output: 0 on success, 60 for an untrusted chain, 52/56 for a closed connection. */
async function curl(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run("curl", ["--silent", "--show-error", "--max-time", "10", ...args]);
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "i2v-tls-"));
  certs = await makeTestCa();
  files = writeCertificates(dir, certs);
  service = await startService({
    env: {
      I2V_TLS_CERT: files.cert,
      I2V_TLS_KEY: files.key,
      I2V_TOKEN: TOKEN,
      I2V_HEADERS_TIMEOUT_S: "2",
      I2V_REQUEST_TIMEOUT_S: "4",
    },
    waitReady: false,
  });
  const until = Date.now() + 120_000;
  while ((await get("/readyz").catch(() => undefined))?.status !== 200) {
    if (Date.now() > until) throw new Error(`not ready:\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);
afterAll(async () => {
  await service?.stop();
});

describe("HTTPS with I2V_TLS_CERT and I2V_TLS_KEY (real process)", () => {
  test("curl --cacert answers over https; plain http on the same port is refused", async () => {
    expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ok = await curl([
      "--cacert",
      files.ca,
      "-H",
      `Authorization: Bearer ${TOKEN}`,
      `${service.url}/readyz`,
    ]);
    expect(ok.code, ok.out).toBe(0);
    expect(JSON.parse(ok.out).status).toBe("ready");
    const plain = await curl([`${service.url.replace("https:", "http:")}/livez`]);
    expect(plain.code, plain.out).not.toBe(0);
    expect(plain.out).not.toContain("ok");
  });

  test("a client that trusts another CA, or no CA, refuses the server", async () => {
    const other = await makeTestCa({ caName: "some other CA" });
    const otherCa = path.join(dir, "other-ca.pem");
    writeFileSync(otherCa, other.caPem);
    expect((await curl(["--cacert", otherCa, `${service.url}/livez`])).code).toBe(60);
    expect((await curl([`${service.url}/livez`])).code).toBe(60);
    await expect(get("/livez", other.caPem)).rejects.toThrow();
  });

  test("upload, SSE to the end and a Range request of the video work over TLS", async () => {
    // undici's own FormData: the global one belongs to Node's bundled copy of undici.
    const body = new FormData();
    body.set("image", new Blob([new Uint8Array(await goodImage())], { type: "image/png" }), "input.png");
    for (const [key, value] of Object.entries(TINY)) body.set(key, String(value));
    const created = await undiciFetch(`${service.url}/v1/jobs`, {
      method: "POST",
      dispatcher: agentFor(certs.caPem),
      headers: { authorization: `Bearer ${TOKEN}` },
      body,
    });
    expect(created.status).toBe(202);
    const job = (await created.json()) as { id: string };
    const events = await (await get(`/v1/jobs/${job.id}/events`)).text();
    expect(events).toContain("event: succeeded");
    const range = await undiciFetch(`${service.url}/v1/jobs/${job.id}/video`, {
      dispatcher: agentFor(certs.caPem),
      headers: { authorization: `Bearer ${TOKEN}`, range: "bytes=0-99" },
    });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
  });

  test("a client that sends its headers a byte at a time is closed after the headers timeout", async () => {
    const { port } = new URL(service.url);
    const closedAfterMs = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = tls.connect({ port: Number(port), host: "127.0.0.1", ca: certs.caPem }, () => {
        socket.write("GET /livez HTTP/1.1\r\n");
      });
      const drip = setInterval(() => socket.writable && socket.write("X"), 300);
      const giveUp = setTimeout(() => reject(new Error("slow TLS client kept open for 20 s")), 20_000);
      socket.on("error", () => undefined);
      socket.on("close", () => {
        clearInterval(drip);
        clearTimeout(giveUp);
        resolve(Date.now() - started);
      });
    });
    expect(closedAfterMs).toBeGreaterThan(1500);
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  test("SIGHUP picks up a changed certificate; a broken one is refused and the previous keeps serving", async () => {
    const renewed = await makeTestCa({ caName: "renewed CA" });
    writeFileSync(files.cert, renewed.certPem);
    writeFileSync(files.key, renewed.keyPem);
    service.process.kill("SIGHUP");
    const until = Date.now() + 30_000;
    while (!service.output().includes("certificate reloaded") && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect((await get("/livez", renewed.caPem)).status).toBe(200);
    await expect(get("/livez", certs.caPem)).rejects.toThrow();
    // The same SIGHUP still reloads the model.
    while (!service.output().includes("model reloaded") && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(service.output()).toContain("model reloaded");

    writeFileSync(files.cert, "not a certificate");
    service.process.kill("SIGHUP");
    const until2 = Date.now() + 30_000;
    while (!service.output().includes("certificate reload failed") && Date.now() < until2)
      await new Promise((r) => setTimeout(r, 100));
    expect(service.output()).toContain("is not a PEM certificate");
    expect((await get("/livez", renewed.caPem)).status).toBe(200);
  });
});

describe("TLS configuration errors", () => {
  test("only one of the two variables set is a configuration error naming the missing one", () => {
    expect(() => parseServiceConfig({ I2V_TLS_CERT: "/x/cert.pem" })).toThrow(/I2V_TLS_KEY: must be set too/);
    expect(() => parseServiceConfig({ I2V_TLS_KEY: "/x/key.pem" })).toThrow(/I2V_TLS_CERT: must be set too/);
    expect(parseServiceConfig({}).tls).toBeUndefined();
  });

  test("unreadable, not PEM, or a key of another certificate: each names the file", async () => {
    const other = await makeTestCa();
    const wrongKey = path.join(dir, "wrong-key.pem");
    writeFileSync(wrongKey, other.keyPem);
    const der = path.join(dir, "cert.der");
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    const missing = path.join(dir, "missing.pem");
    await expect(readTlsFiles({ certFile: missing, keyFile: files.key })).rejects.toThrow(
      `I2V_TLS_CERT (${missing}) cannot be read: ENOENT`,
    );
    await expect(readTlsFiles({ certFile: der, keyFile: files.key })).rejects.toThrow(
      "is not a PEM certificate",
    );
    await expect(readTlsFiles({ certFile: files.ca, keyFile: files.ca })).rejects.toThrow(
      "is not a PEM private key",
    );
    writeFileSync(files.cert, certs.certPem);
    await expect(readTlsFiles({ certFile: files.cert, keyFile: wrongKey })).rejects.toThrow("does not fit");
  });

  test("npm start with an unreadable certificate exits 1 with the problem and a hint", async () => {
    const started = startService({
      env: { I2V_TLS_CERT: path.join(dir, "nope.pem"), I2V_TLS_KEY: files.key },
      waitReady: false,
    });
    await expect(started).rejects.toThrow(/exited \(1\)[\s\S]*I2V_TLS_CERT .* cannot be read[\s\S]*hint:/);
  });
});
