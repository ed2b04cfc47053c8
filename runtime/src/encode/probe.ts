import { runTool, runToolForBytes } from "../util/run-tool.ts";
import { findTool } from "./ffmpeg-path.ts";

/** What a video file holds, as ffprobe reports it. */
export interface VideoInfo {
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  durationS: number;
  /** True when the moov atom precedes the media data (+faststart): browsers start playing at once. */
  faststart: boolean;
}

/** Reads codec, size, frame count and fps with ffprobe (counting frames, not trusting the header). */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { stdout } = await runTool(findTool("ffprobe").path, [
    "-v",
    "error",
    "-count_frames",
    "-select_streams",
    "v:0",
    "-show_entries",
    "stream=codec_name,pix_fmt,width,height,nb_read_frames,avg_frame_rate:format=duration",
    "-of",
    "json",
    file,
  ]);
  const json = JSON.parse(stdout) as {
    streams: Array<Record<string, string | number>>;
    format: { duration?: string };
  };
  const s = json.streams[0];
  if (!s) throw new Error(`${file} has no video stream`);
  const [num, den] = String(s.avg_frame_rate).split("/").map(Number);
  return {
    codec: String(s.codec_name),
    pixelFormat: String(s.pix_fmt),
    width: Number(s.width),
    height: Number(s.height),
    frames: Number(s.nb_read_frames),
    fps: den ? (num as number) / den : Number(num),
    durationS: Number(json.format.duration ?? 0),
    faststart: await isFaststart(file),
  };
}

/** Decodes every frame to RGB24 with ffmpeg (for first-frame checks). */
export async function decodeFrames(file: string, width: number, height: number): Promise<Uint8Array[]> {
  const stdout = await runToolForBytes(
    findTool("ffmpeg").path,
    ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
    1024 * 1024 * 1024,
  );
  const size = width * height * 3;
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset + size <= stdout.length; offset += size)
    frames.push(stdout.subarray(offset, offset + size));
  return frames;
}

/** Top-level MP4 boxes in order: faststart puts `moov` before `mdat`. */
async function isFaststart(file: string): Promise<boolean> {
  const { open } = await import("node:fs/promises");
  const handle = await open(file, "r");
  try {
    const header = Buffer.alloc(8);
    let offset = 0;
    for (let i = 0; i < 16; i++) {
      const { bytesRead } = await handle.read(header, 0, 8, offset);
      if (bytesRead < 8) return false;
      const type = header.toString("latin1", 4, 8);
      if (type === "moov") return true;
      if (type === "mdat") return false;
      const size = header.readUInt32BE(0);
      if (size < 8) return false;
      offset += size;
    }
    return false;
  } finally {
    await handle.close();
  }
}
