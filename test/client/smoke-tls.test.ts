import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ClientError } from "../../client/api-error.ts";
import { runSmoke } from "../../client/smoke.ts";
import { startService, type TestService } from "../support/service.ts";
import { makeTestCa, type TestCertificates, writeCertificates } from "../support/test-ca.ts";

/** The smoke client against HTTPS: the pinned CA passes; another CA, an expired or misnamed certificate fail clearly. */
const ROOT = path.resolve(import.meta.dirname, "../..");
const TOKEN = "smoke-tls-token-0123456789";
let dir: string;
let certs: TestCertificates;
let files: { ca: string; cert: string; key: string };
let service: TestService;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "i2v-smoke-tls-"));
  certs = await makeTestCa();
  files = writeCertificates(dir, certs);
  service = await startService({
    env: { I2V_TLS_CERT: files.cert, I2V_TLS_KEY: files.key, I2V_TOKEN: TOKEN },
    waitReady: false,
  });
}, 120_000);
afterAll(async () => {
  await service?.stop();
});

/** A bare HTTPS server with the given certificate, answering /readyz: enough for the trust checks. */
async function httpsServer(cert: TestCertificates): Promise<{ url: string; server: Server }> {
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function smokeError(url: string, caFile: string): Promise<ClientError> {
  const error = await runSmoke({ url, caFile, token: TOKEN, timeoutS: 20 }).then(
    () => undefined,
    (e: ClientError) => e,
  );
  if (!error) throw new Error("the smoke test passed where it should have failed");
  return error;
}

describe("smoke test over HTTPS with a pinned CA", () => {
  test("npm run smoke -- --url https://... --ca ca.pem --token T passes against the real runtime", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/smoke.ts",
        "--url",
        service.url,
        "--ca",
        files.ca,
        "--token",
        TOKEN,
        "--timeout",
        "120",
      ],
      { cwd: ROOT },
    );
    expect(stdout).toMatch(/smoke passed: job [0-9a-f-]+/);
  }, 150_000);

  test("a CA other than the server's fails with tls_untrusted and says to pass the deployment's CA", async () => {
    const other = await makeTestCa({ caName: "another stack's CA" });
    const otherCa = path.join(dir, "other-ca.pem");
    writeFileSync(otherCa, other.caPem);
    const error = await smokeError(service.url, otherCa);
    expect(error.code).toBe("tls_untrusted");
    expect(error.message).toContain(service.url);
    expect(error.hint).toContain("--ca");
  });

  test("an expired certificate fails with tls_expired, even from the trusted CA", async () => {
    const expired = await makeTestCa({
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const caFile = path.join(dir, "expired-ca.pem");
    writeFileSync(caFile, expired.caPem);
    const { url, server } = await httpsServer(expired);
    try {
      const error = await smokeError(url, caFile);
      expect(error.code).toBe("tls_expired");
      expect(error.message).toContain("CERT_HAS_EXPIRED");
      expect(error.hint).toContain("Renew");
    } finally {
      server.close();
    }
  });

  test("a certificate for another address fails with tls_wrong_name", async () => {
    const elsewhere = await makeTestCa({ ipAddresses: ["192.0.2.10"], dnsNames: ["elsewhere.example"] });
    const caFile = path.join(dir, "elsewhere-ca.pem");
    writeFileSync(caFile, elsewhere.caPem);
    const { url, server } = await httpsServer(elsewhere);
    try {
      expect((await smokeError(url, caFile)).code).toBe("tls_wrong_name");
    } finally {
      server.close();
    }
  });

  test("--ca with an http URL, or a file that is not PEM, is refused before any request", async () => {
    expect((await smokeError("http://127.0.0.1:1", files.ca)).code).toBe("invalid_option");
    const notPem = path.join(dir, "not.pem");
    writeFileSync(notPem, "hello");
    const error = await smokeError(service.url, notPem);
    expect(error.code).toBe("invalid_option");
    expect(error.message).toContain("is not a PEM certificate");
  });
});
