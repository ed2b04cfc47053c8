import sharp from "sharp";
import { unreadableImage } from "../pipeline/decode-failure.ts";
import type { ImageLimits } from "../pipeline/image-input.ts";

/**
 * Decodes the whole image once at submission, after the header checks (type, size, pixel limit)
 * have passed, so a truncated or corrupt file is refused with 400 `invalid_image` at once instead
 * of being accepted and failing later in the worker. Decoding runs in libvips' threads, not on the
 * event loop, and shrinks on load where the format allows, so it stays cheap.
 */
export async function verifyImageDecodes(bytes: Uint8Array, limits: ImageLimits): Promise<void> {
  try {
    await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: "truncated", animated: false })
      .resize(64, 64, { fit: "inside" })
      .raw()
      .toBuffer();
  } catch (error) {
    throw unreadableImage(error);
  }
}
