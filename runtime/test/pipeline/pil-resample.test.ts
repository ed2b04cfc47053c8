import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centerCropWide, pilCrop, pilResize, pyFloorDiv } from "../../src/pipeline/pil-resample.ts";

// Pixel-exact agreement with Pillow itself is checked by the parity suite (real-model/parity),
// which runs diffusers' PIL preprocessing; these are the properties that hold without Python.
describe("PIL resampling port", () => {
  it("Python's float floor division, not floor(a / b)", () => {
    // CPython: 1 // 0.1 == 9.0 (fmod-based), while Math.floor(1 / 0.1) is 10.
    expect(pyFloorDiv(1, 0.1)).toBe(9);
    expect(Math.floor(1 / 0.1)).toBe(10);
    expect(pyFloorDiv(7, 2)).toBe(3);
    expect(pyFloorDiv(-7, 2)).toBe(-4);
  });

  it("a constant image stays constant through BOX and BILINEAR at any size", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom("box" as const, "bilinear" as const),
        (w, h, W, H, v, filter) => {
          const out = pilResize(
            { width: w, height: h, data: new Uint8Array(w * h * 3).fill(v) },
            W,
            H,
            filter,
          );
          expect(out.data.length).toBe(W * H * 3);
          expect(out.data.every((x) => x === v)).toBe(true);
        },
      ),
    );
  });

  it("crop outside the image is black, as PIL's", () => {
    const img = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
    const out = pilCrop(img, -1, 0, 3, 2);
    expect([...out.data.subarray(0, 3)]).toEqual([0, 0, 0]);
    expect([...out.data.subarray(3, 6)]).toEqual([200, 200, 200]);
  });

  it("center crop wide returns the requested size for wide, tall and equal inputs", () => {
    for (const [w, h] of [
      [150, 100],
      [40, 60],
      [64, 64],
      [1000, 37],
    ] as const) {
      const out = centerCropWide({ width: w, height: h, data: new Uint8Array(w * h * 3) }, 96, 64);
      expect([out.width, out.height]).toEqual([96, 64]);
    }
  });
});
