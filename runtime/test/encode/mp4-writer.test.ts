/**
 * The MP4 encoder with the real ffmpeg: browsers' format (H.264, yuv420p, +faststart), the preset's
 * frame count and fps, frame 0 still the input after compression, and no file when ffmpeg fails.
 */
import { execFile } from "node:child_process";
import { chmod, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, test as toolTest } from "vitest";
import { hasTool } from "../../../test/support/tools.ts";
import { Mp4Writer } from "../../src/encode/mp4-writer.ts";
import { decodeFrames, probeVideo } from "../../src/encode/probe.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { prepareImage } from "../../src/pipeline/image-input.ts";
import type { LoadedModel } from "../../src/pipeline/model.ts";
import { resolveParams } from "../../src/pipeline/params.ts";
import { PRESETS } from "../../src/pipeline/presets.ts";
import { fixture, loadDemo, psnr, tempDir } from "../support/demo.ts";

const run = promisify(execFile);
const withProbe = hasTool("ffprobe", ["-version"]) ? toolTest : toolTest.skip;

let model: LoadedModel;
beforeAll(async () => {
  model = await loadDemo();
});
afterAll(async () => {
  await model?.release();
});

describe("Mp4Writer on a demo generation", () => {
  const dir = tempDir("i2v-encode-");
  const out = path.join(dir, "quick.mp4");
  const image = fixture("astronaut.png");
  // The quick preset's frames and fps, at a test-sized resolution and step count.
  const params = resolveParams(
    { prompt: "zoom in", preset: "quick", resolution: 128, num_inference_steps: 6, seed: 3 },
    { negative_prompt: "", scheduler: "ddim" },
  );

  beforeAll(async () => {
    await generate(model.sessions, model.tokenizer, params, await image, new Mp4Writer(out));
  });

  withProbe("writes H.264, yuv420p, +faststart with the preset's frame count and fps", async () => {
    const info = await probeVideo(out);
    expect(info).toMatchObject({
      codec: "h264",
      pixelFormat: "yuv420p",
      width: 128,
      height: 128,
      frames: PRESETS.quick.num_frames,
      fps: PRESETS.quick.target_fps,
      faststart: true,
    });
    expect(info.durationS).toBeCloseTo(PRESETS.quick.num_frames / PRESETS.quick.target_fps, 1);
  });

  it("frame 0 of the decoded MP4 matches the resized input (PSNR >= 30 dB)", async () => {
    const frames = await decodeFrames(out, 128, 128);
    expect(frames).toHaveLength(PRESETS.quick.num_frames);
    const m = model.manifest;
    const input = await prepareImage(await image, 128, m.latent.size_multiple, m.image_encoder.size);
    expect(psnr(frames[0]!, input.rgb)).toBeGreaterThanOrEqual(30);
  });

  it("leaves only the final file (the partial one was renamed)", async () => {
    expect(await readdir(dir)).toEqual(["quick.mp4"]);
  });
});

describe("Mp4Writer failures", () => {
  it("refuses odd sizes (yuv420p) with encode_failed", async () => {
    await expect(
      new Mp4Writer(path.join(tempDir(), "odd.mp4")).start({ width: 63, height: 64, fps: 8 }),
    ).rejects.toMatchObject({
      code: "encode_failed",
    });
  });

  it("a generation whose ffmpeg exits 1 fails with encode_failed and leaves no file", async () => {
    const dir = tempDir("i2v-ffmpeg-fail-");
    const fake = path.join(dir, "ffmpeg");
    // Answers -version like ffmpeg (so it is picked), then fails every real command.
    await writeFile(
      fake,
      '#!/bin/sh\nif [ "$1" = "-version" ]; then echo "ffmpeg version 0.0-fake"; exit 0; fi\necho "fake ffmpeg: refusing" >&2\nexit 1\n',
    );
    await chmod(fake, 0o755);
    const outDir = path.join(dir, "out");
    await run("mkdir", [outDir]);
    const script = path.join(import.meta.dirname, "support", "encode-once.ts");
    const { stdout } = await run(process.execPath, ["--import", "tsx", script, path.join(outDir, "x.mp4")], {
      env: { ...process.env, I2V_FFMPEG: fake },
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(result).toMatchObject({ ok: false, code: "encode_failed" });
    expect(result.message).toMatch(/ffmpeg/);
    expect(await readdir(outDir)).toEqual([]);
  });
});
