import { pilCrop, pilResize, type RgbImage } from "../../pil-resample.ts";
import type { WanManifest } from "./manifest.ts";

/**
 * Wan's two image inputs, as WanImageToVideoPipeline makes them from the PIL image:
 * - the VAE's: `video_processor.preprocess(image, height, width)`, a PIL LANCZOS resize straight to
 *   width x height (no crop: the aspect follows the request), then x / 255 * 2 - 1;
 * - CLIP's (Wan 2.1): transformers' CLIPImageProcessor, a PIL BICUBIC resize of the shortest edge,
 *   a centre crop, then rescale and normalize.
 */

/** The VAE image [3, H, W] in [-1, 1], as diffusers' VaeImageProcessor computes it in float32. */
export function vaeImage(decoded: RgbImage, width: number, height: number): Float32Array {
  const resized = pilResize(decoded, width, height, "lanczos");
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      // np.float32(v) / 255.0 in float32, then 2 * x - 1 in float32.
      const unit = Math.fround((resized.data[3 * p + c] as number) / 255);
      out[c * plane + p] = Math.fround(Math.fround(2 * unit) - 1);
    }
  }
  return out;
}

/** transformers' get_resize_output_image_size for {"shortest_edge": s} (default_to_square=False). */
export function shortestEdgeSize(width: number, height: number, shortest: number) {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((shortest * long) / short);
  return width <= height ? { width: shortest, height: newLong } : { width: newLong, height: shortest };
}

/** CLIP's pixel_values [3, size, size]: resize, centre crop, rescale by 1/255, normalize. */
export function clipPixels(
  decoded: RgbImage,
  settings: NonNullable<WanManifest["image_encoder"]>,
): Float32Array {
  const { size, shortest_edge: shortest, mean, std } = settings;
  const target = shortestEdgeSize(decoded.width, decoded.height, shortest);
  let image = pilResize(decoded, target.width, target.height, settings.resample);
  if (settings.center_crop) {
    // transformers' center_crop: top = (h - crop) // 2, left = (w - crop) // 2.
    const top = Math.floor((image.height - size) / 2);
    const left = Math.floor((image.width - size) / 2);
    image = pilCrop(image, left, top, size, size);
  }
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c] as number);
    const s = Math.fround(std[c] as number);
    for (let p = 0; p < plane; p++) {
      // rescale: float32(v * (1/255)) (float64 product, stored float32); normalize in float32.
      const scaled = Math.fround((image.data[3 * p + c] as number) * (1 / 255));
      out[c * plane + p] = Math.fround(Math.fround(scaled - m) / s);
    }
  }
  return out;
}
