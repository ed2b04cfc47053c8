/**
 * The Wan diffusers repositories (Wan-AI/Wan2.1-I2V-14B-480P-Diffusers and the others, same ids on
 * the Hub and ModelScope): sharded safetensors fetched from a Hub-protocol server and from a
 * ModelScope-protocol server (the SDK's calls), with the lock, resume and sha256 verification.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchModel, readLock } from "../../src/weights/index.ts";
import { CHUNK } from "./support/body.ts";
import { type FakeHub, startFakeHub } from "./support/fake-hub.ts";
import { startFakeModelScope } from "./support/fake-modelscope.ts";
import { wanDiffusersRepo } from "./support/fixtures.ts";
import { expectExactCache, fastRetry, tempDir } from "./support/helpers.ts";

const repo = wanDiffusersRepo();
const SHARD = "transformer/diffusion_pytorch_model-00002-of-00003.safetensors";
const total = repo.files.reduce((n, f) => n + f.content.length, 0);

/** Every file of the snapshot folder has the repository's bytes. */
async function expectSnapshot(dir: string, only?: (p: string) => boolean): Promise<void> {
  for (const f of repo.files.filter((x) => !only || only(x.path)))
    expect((await readFile(path.join(dir, f.path))).equals(f.content), f.path).toBe(true);
}

describe("Wan repositories from the Hub", () => {
  let hub: FakeHub;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    hub = await startFakeHub([repo]);
    tmp = await tempDir();
  });
  afterAll(async () => {
    await hub.close();
    await tmp.cleanup();
  });

  it("fetches every shard, resumes one cut mid-way, pins the commit, and re-runs from the cache", async () => {
    const options = {
      ref: repo.id,
      endpoint: hub.url,
      cacheDir: path.join(tmp.dir, "hub"),
      lockFile: path.join(tmp.dir, "lock.json"),
      env: {},
      retry: fastRetry,
    };
    hub.fault(SHARD, { kind: "cut", afterBytes: 500_000 });
    const first = await fetchModel(options);
    expect(first.commit).toBe(repo.commit);
    await expectExactCache(options.cacheDir, repo);
    const ranges = hub.stats.ranges.filter((r) => r.path === SHARD).map((r) => r.range);
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(hub.stats.bodyBytes - total).toBeLessThanOrEqual(CHUNK);
    expect((await readLock(options.lockFile))?.models[repo.id]).toMatchObject({ revision: repo.commit });
    const sent = hub.stats.bodyBytes;
    const again = await fetchModel(options);
    expect(again.downloadedBytes).toBe(0);
    expect(hub.stats.bodyBytes).toBe(sent);
  });
});

describe("Wan repositories from ModelScope (the SDK's protocol)", () => {
  let ms: Awaited<ReturnType<typeof startFakeModelScope>>;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    ms = await startFakeModelScope(repo);
    tmp = await tempDir();
  });
  afterAll(async () => {
    await ms.close();
    await tmp.cleanup();
  });
  const options = (extra: Partial<Parameters<typeof fetchModel>[0]> = {}) => ({
    ref: repo.id,
    endpoint: { kind: "modelscope" as const, url: ms.url },
    cacheDir: path.join(tmp.dir, "hub"),
    lockFile: path.join(tmp.dir, "lock.json"),
    env: {},
    retry: fastRetry,
    ...extra,
  });

  it("checks the revision, lists recursively, skips .gitattributes, resumes a cut shard, verifies by sha256", async () => {
    ms.fault(SHARD, { kind: "cut", afterBytes: 400_000 });
    const result = await fetchModel(options());
    expect(ms.requests.slice(0, 2)).toEqual([
      `/api/v1/models/${repo.id}/revisions`,
      `/api/v1/models/${repo.id}/repo/files?Revision=master&Recursive=True`,
    ]);
    expect(result.files).toBe(repo.files.length);
    await expectSnapshot(result.snapshotDir);
    const ranges = ms.stats.ranges.filter((r) => r.path === SHARD).map((r) => r.range);
    expect(ranges).toHaveLength(2);
    expect(Number(/\d+/.exec(ranges[1] ?? "")?.[0])).toBeGreaterThan(300_000);
    expect((await readLock(path.join(tmp.dir, "lock.json")))?.models[repo.id]).toMatchObject({
      source: "modelscope",
      requested: "master",
      revision: result.commit,
    });
    const sent = ms.stats.bodyBytes;
    expect((await fetchModel(options())).downloadedBytes).toBe(0);
    expect(ms.stats.bodyBytes).toBe(sent);
  });

  it("a tag works; a revision ModelScope does not have is named with the ones it has", async () => {
    const tagged = await fetchModel(
      options({ ref: `${repo.id}@v1.0`, lockFile: null, include: ["transformer/"] }),
    );
    expect(tagged.files).toBe(5);
    await expectSnapshot(tagged.snapshotDir, (p) => p.startsWith("transformer/"));
    await expect(fetchModel(options({ ref: `${repo.id}@v9`, lockFile: null }))).rejects.toThrow(
      /has no revision "v9" on ModelScope \(it has: master, v1\.0\)/,
    );
  });
});
