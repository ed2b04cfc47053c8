import path from "node:path";
import { downloadFileToCacheDir, scanCacheDir, snapshotDownload } from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchModel } from "../../src/weights/index.ts";
import { type FakeHub, startFakeHub } from "./support/fake-hub.ts";
import { demoRepo } from "./support/fixtures.ts";
import { expectExactCache, fastRetry, tempDir } from "./support/helpers.ts";

// The cache is shared with other tools: @huggingface/hub's cache reader (a port of
// huggingface_hub's scan_cache_dir) must read what we write, and we must reuse what it writes.
describe("cache interop with @huggingface/hub", () => {
  const repo = demoRepo();
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

  it("its cache scan reads our layout, and its downloader finds our files without the network", async () => {
    const cacheDir = path.join(tmp.dir, "ours");
    await fetchModel({
      ref: repo.id,
      endpoint: hub.url,
      cacheDir,
      lockFile: null,
      env: {},
      retry: fastRetry,
    });
    const scan = await scanCacheDir(cacheDir);
    expect(scan.warnings).toEqual([]);
    const [cached] = scan.repos;
    expect(cached?.id).toEqual({ name: repo.id, type: "model" });
    expect(cached?.revisions.map((r) => [r.commitOid, r.refs])).toEqual([[repo.commit, ["main"]]]);
    // Its scanner lists the snapshot's top-level files only (huggingface_hub's recurses).
    const listed = cached?.revisions[0]?.files.map((f) => path.basename(f.path)).sort();
    expect(listed).toEqual(["README.md", "model_index.json"]);
    const pointer = await downloadFileToCacheDir({
      repo: repo.id,
      path: "unet/model.onnx",
      revision: repo.commit,
      cacheDir,
      hubUrl: "http://127.0.0.1:1", // unreachable: the answer must come from the cache
    });
    expect(pointer).toBe(
      path.join(cacheDir, "models--acme--tiny-i2v", "snapshots", repo.commit, "unet/model.onnx"),
    );
  });

  it("we reuse blobs its snapshot download wrote, transferring no bodies", async () => {
    const cacheDir = path.join(tmp.dir, "theirs");
    await snapshotDownload({ repo: repo.id, cacheDir, hubUrl: hub.url });
    const sent = hub.stats.bodyBytes;
    const result = await fetchModel({
      ref: repo.id,
      endpoint: hub.url,
      cacheDir,
      lockFile: null,
      env: {},
      retry: fastRetry,
    });
    expect(hub.stats.bodyBytes).toBe(sent);
    expect(result.cachedFiles).toBe(repo.files.length);
    await expectExactCache(cacheDir, repo);
  });
});
