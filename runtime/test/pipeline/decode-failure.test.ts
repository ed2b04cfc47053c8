import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { I2vError } from "../../src/errors.ts";
import { DEFAULT_IMAGE_LIMITS, prepareImage } from "../../src/pipeline/image-input.ts";
import { verifyImageDecodes } from "../../src/server/verify-image.ts";

// What a person sees when their file is not a usable photo: our words, not libvips' internals
// ("Input buffer contains unsupported image format", "pngload_buffer: end of stream").
const PHOTO = path.resolve(import.meta.dirname, "../../../test/fixtures/astronaut.png");

async function refusal(work: Promise<unknown>): Promise<I2vError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(I2vError);
  return error as I2vError;
}

const LIBVIPS_WORDS = /Input buffer|pngload|jpegload|vips|VipsJpeg/i;

describe("an unreadable photo is refused in our words", () => {
  it("a text file renamed .png", async () => {
    const error = await refusal(
      prepareImage(new TextEncoder().encode("not a picture at all\n"), 256, 8, 224),
    );
    expect(error.code).toBe("invalid_image");
    expect(error.message).toBe(
      "The file is not a readable image: its content is not PNG, JPEG or WebP (renaming a file to .png does not convert it).",
    );
    expect(error.message).not.toMatch(LIBVIPS_WORDS);
    expect(String(error.details?.decoder)).toMatch(/unsupported image format/);
  });

  it("a PNG cut short, at submission (verifyImageDecodes) and in the pipeline", async () => {
    const png = await readFile(PHOTO);
    const cut = png.subarray(0, Math.floor(png.length / 2));
    for (const error of [
      await refusal(verifyImageDecodes(cut, DEFAULT_IMAGE_LIMITS)),
      await refusal(prepareImage(cut, 256, 8, 224)),
    ]) {
      expect(error.code).toBe("invalid_image");
      expect(error.message).toBe("The image is damaged or incomplete: its data ends early or is broken.");
      expect(error.message).not.toMatch(LIBVIPS_WORDS);
    }
  });
});
