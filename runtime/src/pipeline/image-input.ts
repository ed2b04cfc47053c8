import sharp from "sharp";
import { I2vError } from "../errors.ts";

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
 * Decodes and checks an uploaded image (type by content, not by name), then resizes it: cover-fit
 * to the output size, center-cropped; alpha flattened onto white; grayscale and palette images
 * converted to RGB; EXIF orientation applied.
 */
export async function prepareImage(
  bytes: Uint8Array,
  resolution: number,
  sizeMultiple: number,
  encoderSize: number,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<PreparedImage> {
  const source = await inspectImage(bytes, limits);
  const { width, height } = outputSize(source, resolution, sizeMultiple);
  try {
    // Decode once (orientation, alpha on white, sRGB), then resize the pixels twice.
    const { data, info } = await sharp(bytes, {
      limitInputPixels: limits.maxPixels,
      failOn: "truncated",
      animated: false,
    })
      .rotate()
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixels = () =>
      sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
    const [main, encoder] = await Promise.all([
      pixels()
        .resize(width, height, { fit: "cover", position: "centre", kernel: "lanczos3" })
        .raw()
        .toBuffer(),
      pixels().resize(encoderSize, encoderSize, { fit: "cover", position: "centre" }).raw().toBuffer(),
    ]);
    return { width, height, rgb: main, encoderSize, encoderRgb: encoder, source };
  } catch (error) {
    throw new I2vError("invalid_image", `The image could not be decoded: ${(error as Error).message}`);
  }
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
    throw new I2vError("invalid_image", `The file is not a readable image: ${(error as Error).message}`);
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
