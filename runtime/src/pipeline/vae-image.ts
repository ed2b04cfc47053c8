/**
 * diffusers' VaeImageProcessor.preprocess (Wan's `video_processor.preprocess(image, height,
 * width)`) for an RGB image: PIL LANCZOS resize to width x height, `x / 255` in float32, then
 * `2x - 1` in float32, channels first. The VAE encodes the result as the first frame.
 */
import { pilResize, type RgbImage } from "./pil-resample.ts";

/** `[3, height, width]` float32 in [-1, 1]. */
export function vaeImagePreprocess(image: RgbImage, width: number, height: number): Float32Array {
  const resized = pilResize(image, width, height, "lanczos");
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const unit = Math.fround((resized.data[i * 3 + c] as number) / 255);
      out[c * plane + i] = Math.fround(Math.fround(2 * unit) - 1);
    }
  }
  return out;
}
