import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  bakeSpaceNeeds,
  CUDA_LIBS_BYTES,
  CUDA_WHEELS_BYTES,
  checkSpace,
  RUNTIME_IMAGE_BYTES,
} from "../../src/disk-space.ts";

const GiB = 1024 ** 3;
const tmp = () => mkdtemp(path.join(os.tmpdir(), "i2v-space-"));

describe("bakeSpaceNeeds", () => {
  it("counts a cold GPU bake's CUDA libraries three times on Docker's side and the wheels in the cache", () => {
    const needs = bakeSpaceNeeds({
      dockerRoot: "/var/lib/docker",
      cacheDir: "/p/.cache/images",
      wheelsDir: "/home/u/.cache/i2v-deploy/wheels",
      gpu: true,
      cudaImageCached: false,
      weightsBytes: 3 * GiB,
    });
    const on = (dir: string) => needs.filter((n) => n.dir === dir).reduce((s, n) => s + n.bytes, 0);
    expect(on("/var/lib/docker")).toBe(RUNTIME_IMAGE_BYTES + 3 * CUDA_LIBS_BYTES + 6 * GiB);
    expect(on("/home/u/.cache/i2v-deploy/wheels")).toBe(CUDA_WHEELS_BYTES);
    expect(on("/p/.cache/images")).toBe(CUDA_LIBS_BYTES);
  });

  it("counts only the copy once the CUDA image is cached, and nothing of Docker's for a remote engine", () => {
    const base = { cacheDir: "/c", wheelsDir: "/w", gpu: true, cudaImageCached: true, weightsBytes: 0 };
    const warm = bakeSpaceNeeds({ ...base, dockerRoot: "/d" });
    expect(warm.reduce((s, n) => s + n.bytes, 0)).toBe(RUNTIME_IMAGE_BYTES + CUDA_LIBS_BYTES);
    expect(bakeSpaceNeeds({ ...base, dockerRoot: undefined })).toEqual([]);
  });
});

describe("checkSpace", () => {
  it("adds up needs on one filesystem and refuses, naming the folders, the sizes and the fix", async () => {
    const a = await tmp();
    const b = await tmp(); // same filesystem as a
    const needs = [
      { dir: a, place: "Docker's data root", bytes: 3 * GiB, what: "the GPU libraries" },
      { dir: b, place: "the bake's cache", bytes: 3 * GiB, what: "the unpacked CUDA libraries" },
    ];
    // 6.5 GiB free: each need fits alone, the two together (plus headroom) do not.
    const free = async () => 6.5 * GiB;
    const error = await checkSpace(needs, free).then(
      () => undefined,
      (e: unknown) => e as { message: string; hint: string; code: string },
    );
    expect(error?.code).toBe("no_space");
    expect(error?.message).toContain(`${a} (Docker's data root) and ${b} (the bake's cache): 6.5 GiB free`);
    expect(error?.message).toMatch(
      /writes about 6\.0 GiB there \(the GPU libraries 3\.0 GiB, the unpacked CUDA libraries 3\.0 GiB\)/,
    );
    expect(error?.hint).toMatch(/docker system df/);
    await expect(checkSpace(needs, async () => 8 * GiB)).resolves.toBeUndefined();
  });

  it("checks a folder that does not exist yet on the disk that will hold it", async () => {
    const dir = path.join(await tmp(), "not", "made", "yet");
    const seen: string[] = [];
    const free = async (d: string) => {
      seen.push(d);
      return 0;
    };
    await expect(
      checkSpace([{ dir, place: "the wheel cache", bytes: GiB, what: "wheels" }], free),
    ).rejects.toThrow(/not enough disk space/);
    expect(seen).toEqual([path.dirname(path.dirname(path.dirname(dir)))]);
  });
});
