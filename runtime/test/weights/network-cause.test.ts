import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCa } from "../../../test/support/test-ca.ts";
import { fetchModel, MIRRORS } from "../../src/weights/index.ts";
import { networkError } from "../../src/weights/network-cause.ts";
import { fastRetry, tempDir } from "./support/helpers.ts";

// fetch-model's connection failures name their cause (DNS, refused, TLS) with a hint that fits,
// instead of "fetch failed"; hints never suggest the mirror already in use.
const NO_SUCH_HOST = "http://no-such-host.invalid"; // RFC 6761: never resolves

describe("fetch-model names why it could not connect", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let tlsServer: Server;
  let tlsUrl: string;
  beforeAll(async () => {
    tmp = await tempDir();
    const certs = await makeTestCa();
    tlsServer = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (_req, res) => res.end("{}"));
    await new Promise<void>((resolve) => tlsServer.listen(0, "127.0.0.1", resolve));
    tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    tlsServer?.close();
    await tmp?.cleanup();
  });

  const fetchFrom = (endpoint: string) =>
    fetchModel({
      ref: "acme/open",
      endpoint,
      cacheDir: path.join(tmp.dir, "hub"),
      lockFile: null,
      env: {},
      retry: fastRetry,
    }).catch((e: Error & { code: string; hint: string }) => e);

  it("a name DNS does not know: dns, at once, suggesting a mirror", async () => {
    const started = performance.now();
    const error = await fetchFrom(NO_SUCH_HOST);
    expect(error).toMatchObject({ code: "dns" });
    expect(error.message).toMatch(
      /^cannot resolve no-such-host\.invalid: DNS has no address for it \(ENOTFOUND\)/,
    );
    expect(error.message).not.toContain("fetch failed");
    expect((error as { hint: string }).hint).toContain("--mirror hf-mirror");
    // Not worth six tries: the name will not exist on the next one either.
    expect(error.message).not.toContain("gave up after");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("with hf-mirror in use, the hint suggests something else", async () => {
    const dnsFailure = await fetch(`${NO_SUCH_HOST}/`).catch((e: unknown) => e);
    const url = `${MIRRORS["hf-mirror"]?.url}/api/models/acme/open`;
    const error = networkError(dnsFailure, url, MIRRORS["hf-mirror"]?.url, 1);
    expect(error.code).toBe("dns");
    expect(error.message).toContain("cannot resolve hf-mirror.com");
    expect(error.hint).not.toContain("--mirror hf-mirror");
    expect(error.hint).toContain("--mirror modelscope");
  });

  it("a closed port: refused, pointing at the port", async () => {
    const closed = createHttpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await fetchFrom(`http://127.0.0.1:${port}`);
    expect(error).toMatchObject({ code: "refused" });
    expect(error.message).toMatch(
      new RegExp(`^127\\.0\\.0\\.1:${port} refused the connection \\(ECONNREFUSED\\)`),
    );
    expect((error as { hint: string }).hint).toMatch(/port in --endpoint/);
  });

  it("a certificate nobody trusts: tls, at once, naming OpenSSL's reason and NODE_EXTRA_CA_CERTS", async () => {
    const error = await fetchFrom(tlsUrl);
    expect(error).toMatchObject({ code: "tls" });
    expect(error.message).toMatch(
      /^the TLS connection to 127\.0\.0\.1:\d+ failed: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
    );
    expect((error as { hint: string }).hint).toContain("NODE_EXTRA_CA_CERTS");
  });
});
