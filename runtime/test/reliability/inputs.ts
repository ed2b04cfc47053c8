import { crc32 } from "node:zlib";
import fc from "fast-check";
import sharp from "sharp";

/** Images a client might send by mistake or on purpose: none of them may be accepted. */
export async function badImages(): Promise<Record<string, Uint8Array>> {
  const solid = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: "#c04020" } });
  const png = await solid(64, 64).png().toBuffer();
  const frame = (r: number) =>
    sharp({ create: { width: 64, height: 64, channels: 3, background: { r, g: 0, b: 0 } } })
      .png()
      .toBuffer();
  // Frames must differ, or the encoder merges them into a still image.
  const frames = await Promise.all([255, 0, 128].map(frame));
  return {
    empty: new Uint8Array(0),
    text: new TextEncoder().encode("not an image at all"),
    svg: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>'),
    truncatedPng: png.subarray(0, Math.floor(png.length / 2)),
    pngHeaderOnly: png.subarray(0, 33),
    tooSmall: await solid(8, 8).png().toBuffer(),
    gif: await solid(64, 64).gif().toBuffer(),
    tiff: await solid(64, 64).tiff().toBuffer(),
    animatedWebp: await animated(frames),
    bombHeader: bomb(png, 100_000, 100_000),
  };
}

async function animated(frames: Buffer[]): Promise<Buffer> {
  const webp = await sharp(frames, { join: { animated: true } })
    .webp()
    .toBuffer();
  const pages = (await sharp(webp).metadata()).pages;
  if (pages !== frames.length) throw new Error(`test setup: the animated WebP has ${pages} pages`);
  return webp;
}

/** A small valid PNG, for requests whose only defect is elsewhere. */
export function goodImage(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: "#2060c0" } })
    .png()
    .toBuffer();
}

/**
 * A decompression bomb's header: a small real PNG whose IHDR now declares `width` x `height`
 * (CRC fixed), so a reader that trusts the header would allocate gigabytes.
 */
function bomb(png: Buffer, width: number, height: number): Buffer {
  const bytes = Buffer.from(png);
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
}

const NUMERIC_FIELDS = [
  "resolution",
  "num_frames",
  "num_inference_steps",
  "guidance_scale",
  "target_fps",
  "seed",
  "decode_chunk_size",
];
const KNOWN_FIELDS = [...NUMERIC_FIELDS, "prompt", "negative_prompt", "preset", "scheduler", "client_id"];

/** Field names: the API's own, prototype tricks, and anything. */
export const fieldName = fc.oneof(
  fc.constantFrom(...KNOWN_FIELDS, "image", "__proto__", "constructor", "prototype", "toString", ""),
  fc.string({ maxLength: 20 }),
);

/** Values that are wrong for every numeric field: out of range, not finite, not integers, not numbers. */
export const badNumber = fc.oneof(
  fc.constantFrom(
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1",
    "0",
    "1e21",
    "0x10",
    "1.5",
    "abc",
    " ",
    "9".repeat(400),
  ),
  fc.bigInt({ min: 2n ** 32n }).map(String),
  fc.integer({ max: -1 }).map(String),
);

/** Text values for multipart fields: numbers of every kind, strings, control characters, long ones. */
export const fieldText = fc.oneof(
  badNumber,
  fc.double().map(String),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("quick", "ultra", "ddim", "../../etc/passwd", "\u0000", "a".repeat(5000)),
);

/** JSON values of every type for JSON bodies. */
export const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5),
  badNumber,
);

/** `image` values in a JSON body that are not a usable data URL. */
export const badDataUrl = fc.oneof(
  fc.constantFrom(
    "data:image/png;base64,",
    "data:image/png;base64,!!!!****",
    "data:image/png,rawbytes",
    "data:text/html;base64,PGgxPmhpPC9oMT4=",
    "data:;base64,AAAA",
    "http://127.0.0.1/x.png",
    "file:///etc/passwd",
    "",
  ),
  fc.base64String({ maxLength: 200 }).map((b) => `data:image/png;base64,${b}`),
  fc.string({ maxLength: 50 }),
  fc.jsonValue({ maxDepth: 1 }),
);

/** Job ids in paths: well-formed but unknown, traversal attempts, encodings, long and odd strings. */
export const jobId = fc.oneof(
  fc.uuid(),
  fc.constantFrom(
    "..",
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fjobs.log",
    "..%5c..%5cjobs.log",
    "%00",
    "jobs.log",
    "00000000-0000-0000-0000-000000000000.json",
    "00000000-0000-0000-0000-00000000000G",
    "a".repeat(300),
    "%",
  ),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
);

/** Content types a client might send with a job. */
export const contentType = fc.oneof(
  fc.constantFrom(
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=nope",
    "multipart/mixed; boundary=b0undary",
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "text/plain",
    "image/png",
    "",
  ),
  fc.string({ maxLength: 40 }),
);
