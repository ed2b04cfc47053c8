/**
 * `npm run generate` as a new user runs it: a clean cache (the demo model is built on first use),
 * the quick preset, a real MP4 checked with ffprobe; and a bad image that fails with a clear
 * message, a hint, a non-zero exit and no output file.
 */
import { execFile } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { probeVideo } from "../runtime/src/encode/probe.ts";
import { PRESETS } from "../runtime/src/pipeline/presets.ts";
import { tempDir } from "./support/temp-dir.ts";
import { hasTool } from "./support/tools.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const fixture = path.join(root, "test", "fixtures", "astronaut.png");

/** Runs the CLI; resolves with its exit code and output whatever the code. */
async function generateCli(args: string[], cacheDir: string) {
  try {
    const { stdout, stderr } = await run("npx", ["tsx", "scripts/generate.ts", ...args], {
      cwd: root,
      env: { ...process.env, I2V_CACHE_DIR: cacheDir, I2V_DEMO_SIZE: "" },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("npm run generate", () => {
  it.skipIf(!hasTool("ffprobe", ["-version"]))(
    "quick preset from a clean cache: an MP4 with the preset's frames and fps, and timings",
    async () => {
      const cache = tempDir("i2v-cli-cache-");
      const outDir = tempDir("i2v-cli-out-");
      const out = path.join(outDir, "out.mp4");
      const result = await generateCli(
        ["--image", fixture, "--preset", "quick", "--seed", "1", "--out", out],
        cache,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^stages: preprocess \d+ ms, .*denoise .*encode .*$/m);
      expect(result.stdout).toMatch(/^total [\d.]+ m?s \(inference [\d.]+ m?s, peak memory \d+ MiB\)$/m);
      expect(result.stdout).toMatch(/256x256, 8 frames at 8 fps, seed 1/);
      const info = await probeVideo(out);
      expect(info).toMatchObject({
        codec: "h264",
        pixelFormat: "yuv420p",
        frames: PRESETS.quick.num_frames,
        fps: PRESETS.quick.target_fps,
        faststart: true,
      });
      expect(await readdir(outDir)).toEqual(["out.mp4"]);
      // The demo model was built into the clean cache.
      expect(await readdir(path.join(cache, "demo-model"))).toHaveLength(1);
    },
  );

  it("a file that is not an image: error and hint lines, exit 1, no output file", async () => {
    const dir = tempDir("i2v-cli-bad-");
    const bad = path.join(dir, "notes.png");
    await writeFile(bad, "not a picture at all\n");
    const outDir = path.join(dir, "out");
    const result = await generateCli(
      ["--image", bad, "--out", path.join(outDir, "out.mp4")],
      tempDir("i2v-cli-cache-"),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*not a readable image/m);
    expect(result.stderr).toMatch(/^hint: .*PNG, JPEG or WebP/m);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    const left = await readdir(outDir).catch(() => []);
    expect(left).toEqual([]);
  });

  it("a missing image file: exit 1 with a hint", async () => {
    const result = await generateCli(
      ["--image", "/nonexistent/photo.png", "--out", path.join(tempDir("i2v-cli-"), "x.mp4")],
      tempDir("i2v-cli-cache-"),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Cannot read \/nonexistent\/photo\.png: ENOENT/m);
    expect(result.stderr).toMatch(/^hint: /m);
  });
});
