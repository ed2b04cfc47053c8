import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchModel, readLock, writeLock } from "../../src/weights/index.ts";
import { type FakeHub, startFakeHub } from "./support/fake-hub.ts";
import { demoRepo } from "./support/fixtures.ts";
import { fastRetry, listTree, tempDir } from "./support/helpers.ts";

describe("fetchModel errors a user can act on", () => {
  const open = demoRepo("acme/open");
  const gated = { ...demoRepo("acme/gated"), gatedToken: "hf_granted" };
  let hub: FakeHub;
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    hub = await startFakeHub([open, gated]);
    tmp = await tempDir();
  });
  afterAll(async () => {
    await hub.close();
    await tmp.cleanup();
  });

  const fetchIt = (ref: string, extra: Partial<Parameters<typeof fetchModel>[0]> = {}) =>
    fetchModel({
      ref,
      endpoint: hub.url,
      cacheDir: path.join(tmp.dir, "hub"),
      lockFile: null,
      env: {},
      retry: fastRetry,
      ...extra,
    });

  it("401 on a gated model says how to give a token", async () => {
    const error = await fetchIt(gated.id).catch((e) => e);
    expect(error).toMatchObject({ code: "unauthorized" });
    expect(error.hint).toMatch(/HF_TOKEN=hf_\.\.\. or --token/);
    expect(error.message).toMatch(/gated/);
  });

  it("a wrong token on a gated model is refused the same way; the right one works", async () => {
    await expect(fetchIt(gated.id, { token: "hf_other" })).rejects.toMatchObject({ code: "unauthorized" });
    await expect(fetchIt(gated.id, { env: { HF_TOKEN: "hf_granted" } })).resolves.toMatchObject({
      commit: gated.commit,
    });
  });

  it("sends the token to the Hub but not to the CDN it redirects to", async () => {
    // The CDN answers 400 to any Authorization header, like a presigned URL; success proves it.
    const r = await fetchIt(gated.id, { token: "hf_granted", cacheDir: path.join(tmp.dir, "other") });
    expect(r.downloadedBytes).toBeGreaterThan(1_000_000);
  });

  it("404s name what was not found", async () => {
    await expect(fetchIt("acme/missing")).rejects.toMatchObject({
      code: "not_found",
      message: /repository was not found/,
    });
    await expect(fetchIt(`${open.id}@nope`)).rejects.toMatchObject({
      code: "not_found",
      message: /revision does not exist/,
    });
  });

  it("a server that keeps failing ends in a clear error after the retries", async () => {
    for (let i = 0; i < 5; i++) hub.fault("vae/model.onnx", { kind: "status", status: 503 });
    const cacheDir = path.join(tmp.dir, "fail5xx");
    await expect(fetchIt(open.id, { cacheDir })).rejects.toMatchObject({ code: "server_error" });
    const left = await listTree(path.join(cacheDir, "models--acme--open", "blobs"));
    expect(left.every((f) => !f.startsWith(open.files[3]?.sha256 ?? "?"))).toBe(true);
  });

  it("a Retry-After longer than we accept fails fast with a hint", async () => {
    hub.fault("README.md", { kind: "status", status: 429, retryAfter: "3600" });
    const started = performance.now();
    const error = await fetchIt(open.id, { cacheDir: path.join(tmp.dir, "ratelimit") }).catch((e) => e);
    expect(error).toMatchObject({ code: "rate_limited" });
    expect(error.hint).toMatch(/token|mirror/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("an unreachable endpoint says so", async () => {
    const error = await fetchIt(open.id, { endpoint: "http://127.0.0.1:1" }).catch((e) => e);
    expect(error).toMatchObject({ code: "unreachable" });
    expect(error.hint).toMatch(/--mirror|--endpoint/);
  });

  it("files that no longer match the lock are refused, not silently replaced", async () => {
    const lockFile = path.join(tmp.dir, "tampered.lock.json");
    await fetchIt(open.id, { lockFile, cacheDir: path.join(tmp.dir, "lock1"), include: ["README.md"] });
    const lock = await readLock(lockFile);
    const entry = lock?.models[open.id];
    if (!entry) throw new Error("no lock entry");
    entry.files["README.md"] = { size: 20, etag: "1".repeat(40) };
    await writeLock(lockFile, { version: 1, models: { [open.id]: entry } });
    const error = await fetchIt(open.id, { lockFile, cacheDir: path.join(tmp.dir, "lock2") }).catch((e) => e);
    expect(error).toMatchObject({ code: "upstream_changed" });
    expect(await listTree(path.join(tmp.dir, "lock2", "models--acme--open", "blobs"))).toEqual([]);
  });

  it("a commit other than the locked one needs --update-lock", async () => {
    const lockFile = path.join(tmp.dir, "pinned.lock.json");
    await fetchIt(open.id, { lockFile, include: ["README.md"] });
    await expect(fetchIt(`${open.id}@${"a".repeat(40)}`, { lockFile })).rejects.toMatchObject({
      code: "lock_mismatch",
    });
  });

  it("aborting stops the fetch with the caller's reason", async () => {
    const abort = new AbortController();
    abort.abort(new Error("user pressed ctrl-c"));
    await expect(
      fetchIt(open.id, { signal: abort.signal, cacheDir: path.join(tmp.dir, "abort") }),
    ).rejects.toThrow("user pressed ctrl-c");
  });
});
