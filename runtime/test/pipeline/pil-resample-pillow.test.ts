/**
 * The PIL resize port against Pillow itself (the Wan exporter environment's Pillow 13): every
 * filter, down and up, non-square, byte for byte. Wan resizes the VAE image with LANCZOS and the
 * CLIP image with BICUBIC, so one level off here is one level off in every frame.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type PilFilter, pilResize, type RgbImage } from "../../src/pipeline/pil-resample.ts";
import { tempDir } from "../support/demo.ts";
import { wanPython } from "../support/wan-python.ts";

const python = await wanPython();
const SCRIPT = path.join(import.meta.dirname, "support", "pil_resize.py");

/** A source with edges, gradients and noise: negative lobes must over- and undershoot, and clip. */
function testImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const edge = (x >> 3) % 2 === (y >> 3) % 2 ? 255 : 0;
      data[i] = edge;
      data[i + 1] = Math.floor((255 * x) / Math.max(1, width - 1));
      data[i + 2] = Math.floor(rand() * 256);
    }
  }
  return { width, height, data };
}

/** [width, height] of each output: down, up, mixed, one axis only, to 1 pixel. */
const SIZES: Array<[number, number]> = [
  [48, 27],
  [160, 90],
  [333, 200],
  [131, 77],
  [97, 140],
  [200, 60],
  [1, 1],
  [7, 300],
];
const FILTERS: PilFilter[] = ["lanczos", "bicubic", "bilinear", "box"];

function pillowResize(source: RgbImage, cases: Array<{ filter: PilFilter; width: number; height: number }>) {
  const dir = tempDir("i2v-pil-");
  const raw = path.join(dir, "source.rgb");
  writeFileSync(raw, source.data);
  execFileSync(python as string, [SCRIPT], {
    input: JSON.stringify({ source: raw, width: source.width, height: source.height, cases }),
    timeout: 120_000,
  });
  return cases.map((_, i) => new Uint8Array(readFileSync(`${raw}.${i}.rgb`)));
}

describe.skipIf(!python)("PIL resize port equals Pillow", () => {
  for (const [w, h] of [
    [200, 120],
    [61, 97],
  ] as const) {
    it(`every filter from ${w}x${h}, byte for byte`, () => {
      const source = testImage(w, h, w * 31 + h);
      const cases = FILTERS.flatMap((filter) => SIZES.map(([width, height]) => ({ filter, width, height })));
      const expected = pillowResize(source, cases);
      cases.forEach((c, i) => {
        const ours = pilResize(source, c.width, c.height, c.filter).data;
        const theirs = expected[i] as Uint8Array;
        expect(ours.length, `${c.filter} ${c.width}x${c.height}`).toBe(theirs.length);
        let differing = 0;
        for (let k = 0; k < ours.length; k++) if (ours[k] !== theirs[k]) differing++;
        expect(differing, `${c.filter} ${w}x${h} -> ${c.width}x${c.height}: bytes differing`).toBe(0);
      });
    });
  }
});
