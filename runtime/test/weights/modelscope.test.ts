import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchModel, readLock } from "../../src/weights/index.ts";
import { startFakeModelScope } from "./support/fake-modelscope.ts";
import { demoRepo } from "./support/fixtures.ts";
import { fastRetry, listTree, tempDir } from "./support/helpers.ts";

describe("fetchModel from a ModelScope-shaped endpoint", () => {
  const repo = demoRepo("acme/ms-model");
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

  it("lists, verifies every file by sha256, names the snapshot by content, and re-runs from cache", async () => {
    const cacheDir = path.join(tmp.dir, "hub");
    const lockFile = path.join(tmp.dir, "lock.json");
    const options = {
      ref: repo.id,
      endpoint: { kind: "modelscope" as const, url: ms.url },
      cacheDir,
      lockFile,
      env: { HF_TOKEN: "hf_secret" },
      retry: fastRetry,
    };
    const first = await fetchModel(options);
    expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
    const blobs = await listTree(path.join(cacheDir, "models--acme--ms-model", "blobs"));
    expect(blobs).toEqual(repo.files.map((f) => f.sha256).sort());
    const lock = await readLock(lockFile);
    expect(lock?.models[repo.id]).toMatchObject({
      source: "modelscope",
      requested: "master",
      revision: first.commit,
    });
    const sent = ms.stats.bodyBytes;
    const again = await fetchModel(options);
    expect(again.commit).toBe(first.commit);
    expect(ms.stats.bodyBytes).toBe(sent);
  });
});
