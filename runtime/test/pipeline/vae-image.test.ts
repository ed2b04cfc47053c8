/** Wan's VAE image preprocessing against diffusers' VideoProcessor.preprocess (Wan env). */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RgbImage } from "../../src/pipeline/pil-resample.ts";
import { vaeImagePreprocess } from "../../src/pipeline/vae-image.ts";
import { tempDir } from "../support/demo.ts";
import { wanPython } from "../support/wan-python.ts";

const python = await wanPython();
const SCRIPT = path.join(import.meta.dirname, "support", "vae_image.py");

function image(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = ((Math.floor(i / 3) % width) * 3 + (s >>> 27)) & 255;
  }
  return { width, height, data };
}

/** [source w, h, output w, h]: exact size, downscale non-square, upscale, the 480p preset. */
const CASES: Array<[number, number, number, number]> = [
  [64, 48, 64, 48],
  [150, 100, 64, 48],
  [40, 60, 48, 64],
  [1000, 563, 832, 480],
];

describe.skipIf(!python)("VAE image preprocessing equals diffusers' VideoProcessor", () => {
  it("LANCZOS resize and [-1, 1] scaling, exact size, down, up, 480p", { timeout: 120_000 }, () => {
    const dir = tempDir("i2v-vae-image-");
    const images = CASES.map(([w, h], i) => image(w, h, i + 3));
    images.forEach((img, i) => {
      writeFileSync(path.join(dir, `${i}.rgb`), img.data);
    });
    execFileSync(python as string, [SCRIPT], {
      input: JSON.stringify({ dir, images: CASES }),
      timeout: 120_000,
    });
    images.forEach((img, i) => {
      const [, , ow, oh] = CASES[i] as [number, number, number, number];
      const raw = readFileSync(path.join(dir, `${i}.f32`));
      const theirs = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      const ours = vaeImagePreprocess(img, ow, oh);
      expect(ours.length).toBe(theirs.length);
      let differing = 0;
      for (let k = 0; k < ours.length; k++) if (ours[k] !== theirs[k]) differing++;
      expect(differing, `${CASES[i]?.join(",")}: values differing`).toBe(0);
    });
  });
});
