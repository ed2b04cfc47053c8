/** The CLIP image preprocessing port against transformers' CLIPImageProcessor (PIL backend, Wan env). */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clipPreprocess } from "../../src/pipeline/clip-preprocess.ts";
import type { RgbImage } from "../../src/pipeline/pil-resample.ts";
import { tempDir } from "../support/demo.ts";
import { wanPython } from "../support/wan-python.ts";

const python = await wanPython();
const SCRIPT = path.join(import.meta.dirname, "support", "clip_preprocess.py");

function image(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Smooth gradients plus noise: BICUBIC's overshoot and the crop offsets both show.
    data[i] = (((i / 3) % width) * 2 + (s >>> 28)) & 255;
  }
  return { width, height, data };
}

/** Wide, tall, exactly 224, a small one scaled up, odd sizes (the crop offsets floor). */
const SIZES: Array<[number, number]> = [
  [832, 480],
  [480, 832],
  [224, 224],
  [100, 60],
  [301, 257],
];

describe.skipIf(!python)("CLIP preprocessing equals transformers' CLIPImageProcessor", () => {
  it("pixel_values for wide, tall, square, upscaled and odd sizes", { timeout: 120_000 }, () => {
    const dir = tempDir("i2v-clip-");
    const images = SIZES.map(([w, h], i) => image(w, h, i + 7));
    images.forEach((img, i) => {
      writeFileSync(path.join(dir, `${i}.rgb`), img.data);
    });
    const name = execFileSync(python as string, [SCRIPT], {
      input: JSON.stringify({ dir, images: SIZES }),
      timeout: 120_000,
    })
      .toString()
      .trim()
      .split("\n")
      .pop();
    expect(name).toBe("CLIPImageProcessorPil");
    images.forEach((img, i) => {
      const raw = readFileSync(path.join(dir, `${i}.f32`));
      const theirs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      const ours = clipPreprocess(img);
      expect(ours.length).toBe(theirs.length);
      let worst = 0;
      for (let k = 0; k < ours.length; k++)
        worst = Math.max(worst, Math.abs((ours[k] as number) - (theirs[k] as number)));
      expect(worst, `${SIZES[i]?.join("x")}: max difference`).toBeLessThan(1e-6);
    });
  });
});
