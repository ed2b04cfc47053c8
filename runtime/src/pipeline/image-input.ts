import sharp from "sharp";
import { I2vError } from "../errors.ts";
import { unreadableImage } from "./decode-failure.ts";
import { centerCropWide, pilResize, type RgbImage } from "./pil-resample.ts";

/** Limits checked before an image is fully decoded. */
export interface ImageLimits {
  /** Largest accepted file (bytes). */
  maxBytes: number;
  /** Largest accepted width x height, read from the header before decoding (decompression bombs). */
  maxPixels: number;
  /** Smallest accepted side (pixels). */
  minSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 40_000_000,
  minSide: 32,
};

const ACCEPTED_FORMATS = new Set(["png", "jpeg", "webp"]);
/** Widest accepted aspect ratio of the output; wider inputs are center-cropped to it. */
const MAX_ASPECT = 16 / 9;

/** The input image, resized for the VAE and for the image encoder. RGB, 8 bits, row-major. */
export interface PreparedImage {
  width: number;
  height: number;
  rgb: Uint8Array;
  encoderSize: number;
  encoderRgb: Uint8Array;
  source: { format: string; width: number; height: number };
}

/**
 * Output size for a preset resolution: the short side is `resolution`, the long side keeps the
 * input's aspect ratio (at most 16:9), both rounded to the model's size multiple.
 */
export function outputSize(source: { width: number; height: number }, resolution: number, multiple: number) {
  const landscape = source.width >= source.height;
  const aspect = Math.min(
    MAX_ASPECT,
    landscape ? source.width / source.height : source.height / source.width,
  );
  const round = (v: number) => Math.max(multiple, Math.round(v / multiple) * multiple);
  const short = round(resolution);
  const long = round(resolution * aspect);
  return landscape ? { width: long, height: short } : { width: short, height: long };
}

/**
 * Decodes and checks an uploaded image (type by content, not by name), then prepares both inputs
 * exactly as diffusers' I2VGenXLPipeline does with PIL (see pil-resample.ts): the VAE image is
 * `_center_crop_wide(image, (width, height))`, the image encoder's is `_center_crop_wide(image,
 * (width, width))` resized BILINEAR to the crop size. Decoding follows diffusers' `load_image`
 * (EXIF orientation, then PIL's convert("RGB")): alpha is dropped, not composited, and an embedded
 * colour profile is ignored; grayscale and palette images become RGB.
 */
export async function prepareImage(
  bytes: Uint8Array,
  resolution: number,
  sizeMultiple: number,
  encoderSize: number,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<PreparedImage> {
  const { decoded, source } = await decodeImage(bytes, limits);
  const { width, height } = outputSize(source, resolution, sizeMultiple);
  const main = centerCropWide(decoded, width, height);
  const square = centerCropWide(decoded, width, width);
  const encoder = pilResize(square, encoderSize, encoderSize, "bilinear");
  return { width, height, rgb: main.data, encoderSize, encoderRgb: encoder.data, source };
}

/**
 * Checks and decodes an uploaded image as diffusers' `load_image` does (EXIF orientation, then PIL's
 * convert("RGB"): alpha dropped, not composited; embedded colour profiles ignored), to 8-bit RGB.
 */
export async function decodeImage(
  bytes: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<{ decoded: RgbImage; source: { format: string; width: number; height: number } }> {
  const source = await inspectImage(bytes, limits);
  let decoded: RgbImage;
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: limits.maxPixels,
      failOn: "truncated",
      animated: false,
      ignoreIcc: true,
    })
      .rotate()
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    decoded = {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw unreadableImage(error);
  }
  return { decoded, source };
}

/** Reads an image's header and checks type, size and pixel limits without decoding the pixels. */
export async function inspectImage(bytes: Uint8Array, limits: ImageLimits = DEFAULT_IMAGE_LIMITS) {
  if (bytes.byteLength > limits.maxBytes) {
    throw new I2vError(
      "image_too_large",
      `The image is ${bytes.byteLength} bytes; the limit is ${limits.maxBytes}.`,
    );
  }
  let meta: sharp.Metadata;
  try {
    // Header only, no pixel limit: sharp's limit would throw here and turn a decompression bomb into
    // "not a readable image"; the size is checked against limits.maxPixels below instead.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw unreadableImage(error);
  }
  const format = meta.format ?? "unknown";
  if (!ACCEPTED_FORMATS.has(format)) {
    throw new I2vError("invalid_image", `Images of type ${format} are not accepted; send PNG, JPEG or WebP.`);
  }
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw new I2vError(
      "image_too_large",
      `The image is ${width}x${height} pixels; the limit is ${limits.maxPixels} pixels.`,
    );
  }
  if ((meta.pages ?? 1) > 1) {
    throw new I2vError("invalid_image", `The image has ${meta.pages} frames; send a still image.`);
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new I2vError(
      "invalid_image",
      `The image is ${width}x${height}; each side must be at least ${limits.minSide} pixels.`,
    );
  }
  return { format, width, height };
}
