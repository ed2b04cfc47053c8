/**
 * Image input: what is accepted and converted, and what is refused with a clear code before any
 * output exists. Images are made with sharp, bad ones by cutting or lying about them.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Mp4Writer } from "../../src/encode/mp4-writer.ts";
import { I2vError } from "../../src/errors.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { outputSize, prepareImage } from "../../src/pipeline/image-input.ts";
import type { LoadedModel } from "../../src/pipeline/model.ts";
import { resolveParams } from "../../src/pipeline/params.ts";
import { fixture, loadDemo, tempDir } from "../support/demo.ts";

const prepare = (bytes: Uint8Array, resolution = 64) => prepareImage(bytes, resolution, 8, 32);

/** A 96x64 test card: colour gradients, so crops and rotations are visible. */
function card(width = 96, height = 64, channels: 3 | 4 = 3): sharp.Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = 128;
      if (channels === 4) data[i + 3] = x < width / 2 ? 0 : 255;
    }
  }
  return sharp(data, { raw: { width, height, channels } });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(I2vError);
    expect((error as I2vError).hint.length).toBeGreaterThan(0);
    return (error as I2vError).code;
  }
  return "no error";
}

describe("accepted images", () => {
  it("palette, grayscale and alpha PNGs, JPEG and WebP all become RGB at the output size", async () => {
    const inputs = {
      palette: await card().png({ palette: true, colours: 16 }).toBuffer(),
      grayscale: await card().toColourspace("b-w").png().toBuffer(),
      alpha: await card(96, 64, 4).png().toBuffer(),
      jpeg: await card().jpeg().toBuffer(),
      webp: await card().webp().toBuffer(),
    };
    expect((await sharp(inputs.palette).metadata()).isPalette).toBe(true);
    expect((await sharp(inputs.grayscale).metadata()).channels).toBe(1);
    for (const [kind, bytes] of Object.entries(inputs)) {
      const image = await prepare(bytes);
      expect({ kind, width: image.width, height: image.height }).toEqual({ kind, width: 96, height: 64 });
      expect(image.rgb.length).toBe(96 * 64 * 3);
      expect(image.encoderRgb.length).toBe(32 * 32 * 3);
    }
  });

  it("drops alpha as PIL's convert('RGB') does: a transparent pixel keeps its colour", async () => {
    const image = await prepare(await card(96, 64, 4).png().toBuffer());
    // Top-left pixel is fully transparent in the source; diffusers sees its RGB, not white.
    expect([...image.rgb.subarray(0, 3)]).not.toEqual([255, 255, 255]);
    expect([...image.rgb.subarray(0, 3)]).toEqual([0, 0, 128]);
  });

  it("grayscale stays gray (R = G = B)", async () => {
    const image = await prepare(await card().toColourspace("b-w").png().toBuffer());
    for (let p = 0; p < image.rgb.length; p += 3 * 97) {
      expect(image.rgb[p]).toBe(image.rgb[p + 1]);
      expect(image.rgb[p + 1]).toBe(image.rgb[p + 2]);
    }
  });

  it("applies EXIF orientation (a 96x64 photo tagged 'rotate 90' is portrait)", async () => {
    const rotated = await card().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await prepare(rotated);
    expect(image.source).toMatchObject({ width: 64, height: 96 });
    expect(image.width).toBeLessThan(image.height);
  });

  it("sizes: short side = resolution, long side by aspect up to 16:9, multiples of the model's", () => {
    expect(outputSize({ width: 512, height: 512 }, 256, 8)).toEqual({ width: 256, height: 256 });
    expect(outputSize({ width: 600, height: 400 }, 256, 8)).toEqual({ width: 384, height: 256 });
    expect(outputSize({ width: 400, height: 600 }, 256, 8)).toEqual({ width: 256, height: 384 });
    // A panorama is cropped to 16:9.
    expect(outputSize({ width: 4000, height: 1000 }, 256, 8)).toEqual({ width: 456, height: 256 });
    // Rounded to the size multiple.
    expect(outputSize({ width: 1000, height: 1000 }, 250, 16)).toEqual({ width: 256, height: 256 });
  });
});

describe("refused images", () => {
  it("a truncated JPEG is invalid_image", async () => {
    const jpeg = await card(512, 512).jpeg({ quality: 95 }).toBuffer();
    expect(await codeOf(prepare(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe("invalid_image");
  });

  it("a non-image file is invalid_image", async () => {
    expect(await codeOf(prepare(new TextEncoder().encode("this is not a picture\n".repeat(50))))).toBe(
      "invalid_image",
    );
  });

  it("a 1x1 image is invalid_image", async () => {
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
    expect(await codeOf(prepare(tiny))).toBe("invalid_image");
  });

  it("a GIF is refused by type", async () => {
    const gif = await card().gif().toBuffer();
    expect(await codeOf(prepare(gif))).toBe("invalid_image");
  });

  it("an animated WebP is refused (a still image is needed)", async () => {
    const frames = await Promise.all(
      ["#f00", "#0f0"].map((c) =>
        sharp({ create: { width: 64, height: 64, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const animated = await sharp(frames, { join: { animated: true } })
      .webp()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    await expect(prepare(animated)).rejects.toThrow(/2 frames/);
  });

  it("a decompression bomb (small file, 8000x8000 pixels) is image_too_large before decoding", async () => {
    const bomb = await sharp({
      create: { width: 8000, height: 8000, channels: 3, background: "#336699" },
      limitInputPixels: false,
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    expect(await codeOf(prepare(bomb))).toBe("image_too_large");
    // Decoding 64 Mpixel would take seconds; the header check takes milliseconds.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("a file over the byte limit is image_too_large", async () => {
    const png = await card().png().toBuffer();
    const limits = { maxBytes: 100, maxPixels: 40_000_000, minSide: 32 };
    expect(await codeOf(prepareImage(png, 64, 8, 32, limits))).toBe("image_too_large");
  });
});

describe("a bad image in a generation", () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadDemo();
  });
  afterAll(async () => {
    await model?.release();
  });

  it.each([
    [
      "truncated JPEG",
      async () => {
        const jpeg = await sharp(await fixture("astronaut.png"))
          .jpeg()
          .toBuffer();
        return jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
      },
      "invalid_image",
    ],
    ["text file", async () => Buffer.from("hello"), "invalid_image"],
    [
      "1x1 PNG",
      () =>
        sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } })
          .png()
          .toBuffer(),
      "invalid_image",
    ],
  ] as const)("%s: clear error, no output file", async (_name, make, code) => {
    const dir = tempDir("i2v-bad-input-");
    const params = resolveParams(
      { preset: "quick", resolution: 64, num_frames: 2, num_inference_steps: 1, seed: 1 },
      { negative_prompt: "", scheduler: "ddim" },
    );
    const failure = generate(
      model.sessions,
      model.tokenizer,
      params,
      await make(),
      new Mp4Writer(path.join(dir, "out.mp4")),
    );
    expect(await codeOf(failure)).toBe(code);
    expect(await readdir(dir)).toEqual([]);
  });
});
