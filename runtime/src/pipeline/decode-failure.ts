import { I2vError } from "../errors.ts";

/**
 * A photo the image library could not read, in words for the person who sent it. libvips' own
 * message ("Input buffer contains unsupported image format", "pngload_buffer: end of stream")
 * names its internals, not the problem; it stays in `details.decoder` for whoever debugs.
 */
export function unreadableImage(error: unknown): I2vError {
  const decoder = error instanceof Error ? error.message : String(error);
  let message = "The image could not be decoded.";
  if (/unsupported image format/i.test(decoder))
    message =
      "The file is not a readable image: its content is not PNG, JPEG or WebP " +
      "(renaming a file to .png does not convert it).";
  else if (/corrupt|end of stream|premature end|truncated|not enough data|read error|bad seek/i.test(decoder))
    message = "The image is damaged or incomplete: its data ends early or is broken.";
  return new I2vError("invalid_image", message, { decoder });
}
