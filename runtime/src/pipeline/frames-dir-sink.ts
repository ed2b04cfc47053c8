import { mkdir } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { FrameSink } from "./frame-sink.ts";

/**
 * Writes every frame as a lossless PNG (`frame_0000.png`, ...) into a folder, and passes the frames
 * on to another sink (the MP4). For frame-by-frame comparisons with a reference run.
 */
export class FramesDirSink implements FrameSink {
  private video = { width: 0, height: 0 };
  private index = 0;

  constructor(
    readonly dir: string,
    private readonly next: FrameSink,
  ) {}

  async start(video: { width: number; height: number; fps: number; frames: number }): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.video = video;
    await this.next.start(video);
  }

  async write(rgb: Uint8Array, frames: number): Promise<void> {
    const size = this.video.width * this.video.height * 3;
    for (let i = 0; i < frames; i++) {
      const name = `frame_${String(this.index++).padStart(4, "0")}.png`;
      await sharp(rgb.subarray(i * size, (i + 1) * size), {
        raw: { width: this.video.width, height: this.video.height, channels: 3 },
      })
        .png()
        .toFile(path.join(this.dir, name));
    }
    await this.next.write(rgb, frames);
  }

  finish(): Promise<void> {
    return this.next.finish();
  }

  abort(reason: Error): Promise<void> {
    return this.next.abort(reason);
  }
}
