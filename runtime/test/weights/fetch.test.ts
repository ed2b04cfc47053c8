import { readFile, readlink, realpath as realpathOf } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fetchModel, readLock, resolveModelRef } from "../../src/weights/index.ts";
import { type FakeHub, startFakeHub } from "./support/fake-hub.ts";
import { demoRepo } from "./support/fixtures.ts";
import { expectExactCache, fastRetry, recorder, tempDir } from "./support/helpers.ts";

describe("fetchModel against a Hub-compatible loopback server", () => {
  const repo = demoRepo();
  let hub: FakeHub;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let cacheDir: string;
  let lockFile: string;
  const env = {};

  beforeEach(async () => {
    hub = await startFakeHub([repo]);
    tmp = await tempDir();
    cacheDir = path.join(tmp.dir, "hub");
    lockFile = path.join(tmp.dir, "models.lock.json");
  });
  afterEach(async () => {
    await hub.close();
    await tmp.cleanup();
  });

  const fetchIt = (extra: Partial<Parameters<typeof fetchModel>[0]> = {}) =>
    fetchModel({
      ref: `${repo.id}@main`,
      endpoint: hub.url,
      cacheDir,
      lockFile,
      env,
      retry: fastRetry,
      ...extra,
    });

  it("writes the Hugging Face cache layout, the ref and a lock", async () => {
    const result = await fetchIt();
    expect(result.commit).toBe(repo.commit);
    expect(result.lock).toBe("written");
    expect(result.downloadedBytes).toBe(repo.files.reduce((n, f) => n + f.content.length, 0));
    await expectExactCache(cacheDir, repo);
    const root = path.join(cacheDir, "models--acme--tiny-i2v");
    expect(await readFile(path.join(root, "refs", "main"), "utf8")).toBe(repo.commit);
    const unet = repo.files.find((f) => f.path === "unet/model.onnx");
    expect(await readlink(path.join(root, "snapshots", repo.commit, "unet/model.onnx"))).toBe(
      `../../../blobs/${unet?.sha256}`,
    );

    const lock = await readLock(lockFile);
    const locked = lock?.models[repo.id];
    expect(locked?.revision).toBe(repo.commit);
    expect(locked?.files["unet/model.onnx"]).toEqual({ size: unet?.content.length, sha256: unet?.sha256 });
    const readme = repo.files.find((f) => f.path === "README.md");
    expect(locked?.files["README.md"]).toEqual({ size: readme?.content.length, etag: readme?.gitOid });
  });

  it("re-runs from the cache with no file bodies and no listing, verified against the lock", async () => {
    await fetchIt();
    const before = { bytes: hub.stats.bodyBytes, requests: hub.stats.requests.length };
    const { events, onEvent } = recorder();
    const again = await fetchIt({ onEvent });
    expect(hub.stats.bodyBytes).toBe(before.bytes);
    expect(hub.stats.requests.length).toBe(before.requests); // the lock answers everything
    expect(again.lock).toBe("verified");
    expect(again.downloadedBytes).toBe(0);
    expect(again.cachedFiles).toBe(repo.files.length);
    expect(events.filter((e) => e.type === "file-cached")).toHaveLength(repo.files.length);
  });

  it("fetches only what --include selects, and records only that in the lock", async () => {
    const result = await fetchIt({ include: ["*.json"] });
    expect(result.files).toBe(2);
    await expectExactCache(cacheDir, repo, ["model_index.json", "unet/config.json"]);
    expect(Object.keys((await readLock(lockFile))?.models[repo.id]?.files ?? {})).toEqual([
      "model_index.json",
      "unet/config.json",
    ]);
  });

  it("detects a corrupt cached blob and fetches it again", async () => {
    const first = await fetchIt();
    const vae = repo.files.find((f) => f.path === "vae/model.onnx");
    const blob = path.join(first.snapshotDir, "vae/model.onnx");
    const bytes = Buffer.from(vae?.content ?? []);
    bytes[10] ^= 1; // same size, one bit flipped: only a hash finds it
    const { writeFile } = await import("node:fs/promises");
    await writeFile(blob, bytes);
    const { events, onEvent } = recorder();
    const again = await fetchIt({ onEvent });
    expect(events).toContainEqual({
      type: "refetch",
      path: "vae/model.onnx",
      reason: "cached copy is corrupt",
    });
    expect(again.downloadedBytes).toBe(vae?.content.length);
    await expectExactCache(cacheDir, repo);
  });

  it("HF_HUB_OFFLINE verifies the cache against the lock without a request, and names what is missing", async () => {
    await expect(fetchIt({ env: { HF_HUB_OFFLINE: "1" } })).rejects.toMatchObject({ code: "offline" });
    const first = await fetchIt();
    const requests = hub.stats.requests.length;
    await expect(fetchIt({ env: { HF_HUB_OFFLINE: "1" } })).resolves.toMatchObject({
      lock: "verified",
      cachedFiles: 5,
    });
    const { unlink } = await import("node:fs/promises");
    await unlink(path.join(first.snapshotDir, "README.md"));
    await unlink(await realpathOf(path.join(first.snapshotDir, "vae/model.onnx")));
    await expect(fetchIt({ offline: true })).rejects.toMatchObject({
      code: "offline",
      message: /vae\/model\.onnx is missing/,
    });
    expect(hub.stats.requests.length).toBe(requests);
  });

  it("resolves a reference to the snapshot folder, offline", async () => {
    const result = await fetchIt();
    expect(await resolveModelRef(`${repo.id}@main`, { cacheDir, env })).toBe(result.snapshotDir);
    expect(await resolveModelRef(`${repo.id}@${repo.commit}`, { cacheDir, env })).toBe(result.snapshotDir);
    expect(await resolveModelRef(repo.id, { cacheDir, env, lockFile })).toBe(result.snapshotDir);
    expect(path.isAbsolute(result.snapshotDir)).toBe(true);
  });

  it("says a snapshot is incomplete when the lock lists files it lacks", async () => {
    const result = await fetchIt();
    const { unlink } = await import("node:fs/promises");
    await unlink(path.join(result.snapshotDir, "vae/model.onnx"));
    const error = await resolveModelRef(repo.id, { cacheDir, env, lockFile }).catch((e) => e);
    expect(error).toMatchObject({
      code: "model_incomplete",
      message: expect.stringContaining("vae/model.onnx"),
    });
    expect(error.hint).toContain(`npm run fetch-model -- ${repo.id}`);
  });

  it("pins the locked commit even after the branch moves upstream", async () => {
    await fetchIt();
    const moved = demoRepo(repo.id, "v2");
    hub.setRepo(moved);
    const pinned = await fetchIt();
    expect(pinned.commit).toBe(repo.commit);
    const updated = await fetchIt({ updateLock: true });
    expect(updated.commit).toBe(moved.commit);
    expect((await readLock(lockFile))?.models[repo.id]?.revision).toBe(moved.commit);
  });
});
