/**
 * transformers' CLIPImageProcessor (its PIL backend, the one diffusers' Wan 2.1 pipeline gets
 * without torchvision) for an RGB image: PIL BICUBIC resize so the shortest edge is
 * `shortest_edge` (the other `int(shortest_edge * long / short)`), centre crop with floored
 * offsets, `x * rescale_factor` in float64 rounded to float32, then `(x - mean) / std` in float32.
 * Wan 2.1's image encoder takes the result; its config is the model's preprocessor_config.json.
 */
import { pilCrop, pilResize, type RgbImage } from "./pil-resample.ts";

export interface ClipProcessorConfig {
  /** `size.shortest_edge`. */
  shortestEdge: number;
  /** `crop_size`. */
  cropHeight: number;
  cropWidth: number;
  /** `image_mean` and `image_std`, per channel. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** `rescale_factor`, 1/255 in every published config. */
  rescaleFactor: number;
}

/** OpenAI CLIP's values, as the Wan 2.1 repositories' image_processor/preprocessor_config.json has them. */
export const OPENAI_CLIP_PROCESSOR: ClipProcessorConfig = {
  shortestEdge: 224,
  cropHeight: 224,
  cropWidth: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  rescaleFactor: 1 / 255,
};

/** transformers' get_resize_output_image_size with default_to_square=False: [width, height]. */
export function shortestEdgeSize(width: number, height: number, shortest: number): [number, number] {
  const [short, long] = width <= height ? [width, height] : [height, width];
  const newLong = Math.trunc((shortest * long) / short);
  return width <= height ? [shortest, newLong] : [newLong, shortest];
}

/** `pixel_values[0]`: float32, channels first, [3, cropHeight, cropWidth]. */
export function clipPreprocess(
  image: RgbImage,
  config: ClipProcessorConfig = OPENAI_CLIP_PROCESSOR,
): Float32Array {
  const [w, h] = shortestEdgeSize(image.width, image.height, config.shortestEdge);
  const resized = pilResize(image, w, h, "bicubic");
  const { cropWidth: cw, cropHeight: ch } = config;
  // numpy's centre crop: offsets floored; a side smaller than the crop is zero-padded, centred by ceil.
  const top = Math.floor((resized.height - ch) / 2);
  const left = Math.floor((resized.width - cw) / 2);
  const cropped =
    top >= 0 && left >= 0
      ? pilCrop(resized, left, top, cw, ch)
      : pilCrop(
          resized,
          top >= 0 ? left : -Math.ceil((cw - resized.width) / 2),
          top >= 0 ? top : -Math.ceil((ch - resized.height) / 2),
          cw,
          ch,
        );
  const plane = cw * ch;
  const out = new Float32Array(3 * plane);
  const mean = config.mean.map(Math.fround);
  const std = config.std.map(Math.fround);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const scaled = Math.fround((cropped.data[i * 3 + c] as number) * config.rescaleFactor);
      out[c * plane + i] = Math.fround(Math.fround(scaled - (mean[c] as number)) / (std[c] as number));
    }
  }
  return out;
}
