import { mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkFreeSpace } from "../../src/weights/disk.ts";
import { globToRegExp, selectPaths } from "../../src/weights/glob.ts";
import {
  defaultCacheDir,
  parseModelRef,
  resolveEndpoint,
  resolveModelRef,
  resolveToken,
} from "../../src/weights/index.ts";
import { backoffMs, DEFAULT_RETRY, parseRetryAfter } from "../../src/weights/retry.ts";
import { tempDir } from "./support/helpers.ts";

describe("model references", () => {
  it.each([
    ["acme/model", { repo: "acme/model" }],
    ["acme/model@main", { repo: "acme/model", revision: "main" }],
    ["ali-vilab/i2vgen-xl@v1.0", { repo: "ali-vilab/i2vgen-xl", revision: "v1.0" }],
  ])("parses %s", (text, ref) => expect(parseModelRef(text)).toEqual(ref));
  it.each(["model", "acme/model@", "../x/y", "acme/../b", "a/b/c"])("refuses %s with a hint", (text) => {
    expect(() => parseModelRef(text)).toThrow(
      expect.objectContaining({ code: "bad_model_ref", hint: expect.any(String) }),
    );
  });
});

describe("file selection (fnmatch, as huggingface_hub's allow_patterns)", () => {
  const files = [
    "model_index.json",
    "unet/model.onnx",
    "unet/config.json",
    "vae/model.onnx",
    "README.md",
  ].map((p) => ({ path: p }));
  it.each([
    [["*.onnx"], [], ["unet/model.onnx", "vae/model.onnx"]],
    [["unet/"], [], ["unet/model.onnx", "unet/config.json"]],
    [[], ["*.md"], ["model_index.json", "unet/model.onnx", "unet/config.json", "vae/model.onnx"]],
    [["[uv]*/model.onnx"], ["vae/*"], ["unet/model.onnx"]],
  ])("include %j exclude %j", (inc, exc, want) => {
    expect(selectPaths(files, inc, exc).map((f) => f.path)).toEqual(want);
  });
  it("escapes regex characters in names", () => expect(globToRegExp("a+b.json").test("a+b.json")).toBe(true));
});

describe("retry timing", () => {
  it("reads Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
  it("backs off exponentially within the ceiling, or as the server asks", () => {
    expect(backoffMs(DEFAULT_RETRY, 0)).toBeLessThanOrEqual(500);
    expect(backoffMs(DEFAULT_RETRY, 20)).toBeLessThanOrEqual(DEFAULT_RETRY.maxDelayMs);
    expect(backoffMs(DEFAULT_RETRY, 3, 1234)).toBe(1234);
  });
});

describe("where things come from", () => {
  it("finds the cache as huggingface_hub does", () => {
    expect(defaultCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b" })).toBe("/a");
    expect(defaultCacheDir({ HF_HOME: "/b" })).toBe("/b/hub");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/c" })).toBe("/c/huggingface/hub");
  });
  it("picks the endpoint: --endpoint, --mirror, HF_ENDPOINT, then the Hub", () => {
    const env = { HF_ENDPOINT: "http://private:8080/" };
    expect(resolveEndpoint({ endpoint: "http://x", mirror: "hf-mirror", env }).url).toBe("http://x");
    expect(resolveEndpoint({ mirror: "modelscope", env }).kind).toBe("modelscope");
    expect(resolveEndpoint({ env }).url).toBe("http://private:8080");
    expect(resolveEndpoint({ env: {} }).url).toBe("https://huggingface.co");
    expect(() => resolveEndpoint({ mirror: "nope", env })).toThrow(
      expect.objectContaining({ code: "bad_mirror" }),
    );
  });
  it("reads the token from --token, HF_TOKEN, then huggingface_hub's token file", async () => {
    const tmp = await tempDir();
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(tmp.dir, "token"), "hf_fromfile\n");
    expect(resolveToken("hf_flag", { HF_TOKEN: "hf_env" })).toBe("hf_flag");
    expect(resolveToken(undefined, { HF_TOKEN: "hf_env", HF_HOME: tmp.dir })).toBe("hf_env");
    expect(resolveToken(undefined, { HF_HOME: tmp.dir })).toBe("hf_fromfile");
    await tmp.cleanup();
  });
});

describe("resolveModelRef", () => {
  it("tells how to fetch a model that is not cached", async () => {
    const tmp = await tempDir();
    const error = await resolveModelRef("acme/absent@main", { cacheDir: tmp.dir }).catch((e) => e);
    expect(error).toMatchObject({ code: "model_not_cached" });
    expect(error.hint).toContain("npm run fetch-model -- acme/absent@main");
    await tmp.cleanup();
  });
  it("accepts a folder path as it is", async () => {
    const tmp = await tempDir();
    await mkdir(path.join(tmp.dir, "m"));
    expect(await resolveModelRef(path.join(tmp.dir, "m"))).toBe(path.join(tmp.dir, "m"));
    await expect(resolveModelRef(path.join(tmp.dir, "none"))).rejects.toMatchObject({
      code: "model_not_found",
    });
    await tmp.cleanup();
  });
});

describe("free space", () => {
  const GiB = 1024 ** 3;
  it("refuses to start a download the disk cannot hold, with a hint", async () => {
    await expect(checkFreeSpace("/cache", 10 * GiB, async () => 4 * GiB)).rejects.toMatchObject({
      code: "no_space",
      hint: expect.stringMatching(/--cache DIR/),
    });
    await expect(checkFreeSpace("/cache", 1 * GiB, async () => 4 * GiB)).resolves.toBeUndefined();
    await expect(checkFreeSpace("/cache", 0, async () => 0)).resolves.toBeUndefined();
  });
});
