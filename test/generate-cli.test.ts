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

/** "1.43 s" or "250 ms" -> seconds */
const seconds = (text: string) =>
  text.endsWith(" ms") ? Number.parseFloat(text) / 1000 : Number.parseFloat(text);

/** The printed timings add up: stages to their sum, the parts to the total, the total above the stages. */
function expectFiguresAddUp(stdout: string) {
  const time = String.raw`([\d.]+ m?s)`;
  const stages = new RegExp(String.raw`^stages: (.*) \(sum ${time}\)$`, "m").exec(stdout);
  const total = new RegExp(`^total ${time} `, "m").exec(stdout);
  const parts = new RegExp(
    `^  = engine start and model load ${time} \\+ generation ${time} .*\\+ reading and setup ${time};`,
    "m",
  ).exec(stdout);
  expect(stages, stdout).not.toBeNull();
  expect(total, stdout).not.toBeNull();
  expect(parts, stdout).not.toBeNull();
  const each = [...(stages?.[1] ?? "").matchAll(/\w+ ([\d.]+ m?s)/g)].map((m) => seconds(m[1] ?? ""));
  const sum = seconds(stages?.[2] ?? "");
  expect(Math.abs(each.reduce((a, b) => a + b, 0) - sum)).toBeLessThan(0.02 * each.length);
  const [load, generation, rest] = [parts?.[1], parts?.[2], parts?.[3]].map((t) => seconds(t ?? ""));
  const whole = seconds(total?.[1] ?? "");
  expect(Math.abs((load ?? 0) + (generation ?? 0) + (rest ?? 0) - whole)).toBeLessThan(0.03);
  expect(generation).toBeGreaterThanOrEqual(sum - 0.01);
  expect(whole).toBeGreaterThan(sum);
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
      expectFiguresAddUp(result.stdout);
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
