import sharp from "sharp";
import { decodeFrames, probeVideo, type VideoInfo } from "../runtime/src/encode/probe.ts";

/** What the video must be: the job's parameters and result. */
export interface ExpectedVideo {
  width: number;
  height: number;
  frames: number;
  fps: number;
  /** The photo that was uploaded; frame 0 must look like it. */
  image: Uint8Array;
  /** Lowest accepted PSNR of frame 0 against the resized input (dB). */
  minPsnrDb: number;
}

export interface VideoCheck {
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface VideoVerdict {
  ok: boolean;
  info: VideoInfo;
  psnrDb: number;
  checks: VideoCheck[];
}

/**
 * Checks an MP4 the way a browser and a user would see it: H.264 in yuv420p (what browsers play),
 * the requested frame count, fps and size, and a first frame that reproduces the input photo.
 * Every check runs, so a failure lists all that is wrong at once.
 */
export async function verifyVideo(file: string, expected: ExpectedVideo): Promise<VideoVerdict> {
  const info = await probeVideo(file);
  // Capped so that a report stays valid JSON (identical frames give Infinity).
  const psnrDb = Math.min(100, await firstFramePsnr(file, info, expected.image));
  const check = (name: string, ok: boolean, want: unknown, got: unknown): VideoCheck => ({
    name,
    ok,
    expected: String(want),
    actual: String(got),
  });
  const checks = [
    check("codec", info.codec === "h264", "h264", info.codec),
    check("pix_fmt", info.pixelFormat === "yuv420p", "yuv420p", info.pixelFormat),
    check("frames", info.frames === expected.frames, expected.frames, info.frames),
    check("fps", Math.abs(info.fps - expected.fps) < 0.01, expected.fps, round(info.fps, 3)),
    check(
      "size",
      info.width === expected.width && info.height === expected.height,
      `${expected.width}x${expected.height}`,
      `${info.width}x${info.height}`,
    ),
    check(
      "first frame PSNR",
      psnrDb >= expected.minPsnrDb,
      `>= ${expected.minPsnrDb} dB`,
      `${round(psnrDb, 2)} dB`,
    ),
  ];
  return { ok: checks.every((c) => c.ok), info, psnrDb, checks };
}

/**
 * PSNR of frame 0 against the input resized to the video's own size with the runtime's policy
 * (runtime/src/pipeline/image-input.ts: EXIF orientation, alpha on white, cover-fit, centre crop,
 * lanczos3), so only the model and H.264 can lower it.
 */
export async function firstFramePsnr(file: string, info: VideoInfo, image: Uint8Array): Promise<number> {
  const [frame] = await decodeFrames(file, info.width, info.height);
  if (!frame) return 0;
  const reference = await sharp(image)
    .rotate()
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .resize(info.width, info.height, { fit: "cover", position: "centre", kernel: "lanczos3" })
    .removeAlpha()
    .raw()
    .toBuffer();
  return psnr(frame, reference);
}

/** Peak signal-to-noise ratio of two 8-bit buffers of the same length (dB; Infinity when equal). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
