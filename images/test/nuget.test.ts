import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchOrtGpuLibraries } from "../src/nuget.ts";
import { fakeNupkg, feed, ID, listen, VERSION } from "./support/nuget-feed.ts";

describe("fetchOrtGpuLibraries against a NuGet v3 feed on loopback", () => {
  const nupkg = fakeNupkg();
  const goodHash = createHash("sha512").update(nupkg).digest("base64");
  const requests: string[] = [];
  const servers: Server[] = [];
  let good = "";
  let lying = "";
  let cacheDir = "";

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), "i2v-nuget-"));
    servers.push(
      feed(nupkg, goodHash, requests),
      feed(nupkg, createHash("sha512").update("other").digest("base64"), []),
    );
    good = await listen(servers[0] as Server);
    lying = await listen(servers[1] as Server);
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("resolves index -> base address -> .nupkg, verifies SHA-512, extracts the linux-x64 providers", async () => {
    const dir = await fetchOrtGpuLibraries({
      feeds: [good],
      version: VERSION,
      cacheDir: path.join(cacheDir, "a"),
    });
    for (const lib of ["cuda", "shared", "tensorrt"])
      expect(await readFile(path.join(dir, `libonnxruntime_providers_${lib}.so`), "utf8")).toBe(
        `fake ${lib} provider`,
      );
    expect(requests).toContain("/catalog/leaf.json");
    const verified = JSON.parse(
      await readFile(path.join(cacheDir, "a", `${ID}.${VERSION}`, "verified.json"), "utf8"),
    );
    expect(verified).toMatchObject({ verified: true, sha512: goodHash });
  });

  it("uses the cache the second time (no requests)", async () => {
    const before = requests.length;
    await fetchOrtGpuLibraries({ feeds: [good], version: VERSION, cacheDir: path.join(cacheDir, "a") });
    expect(requests.length).toBe(before);
  });

  it("refuses a package whose hash differs from the published one", async () => {
    await expect(
      fetchOrtGpuLibraries({ feeds: [lying], version: VERSION, cacheDir: path.join(cacheDir, "b") }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/failed verification/) });
  });

  it("fails over from a dead feed to the next, and names both when all fail", async () => {
    const dead = "http://127.0.0.1:9/v3/index.json";
    const dir = await fetchOrtGpuLibraries({
      feeds: [dead, good],
      version: VERSION,
      cacheDir: path.join(cacheDir, "c"),
    });
    expect(dir).toContain(`${ID}.${VERSION}`);
    await expect(
      fetchOrtGpuLibraries({ feeds: [dead, good], version: "9.9.9", cacheDir: path.join(cacheDir, "d") }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/127\.0\.0\.1:9[\s\S]*has no .* 9\.9\.9/),
      hint: expect.any(String),
    });
  });
});
