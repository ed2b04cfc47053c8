/**
 * Where decoded frames go: the MP4 encoder in production, memory in tests. Frames arrive in order,
 * RGB24, `width * height * 3` bytes each, possibly several per call.
 */
export interface FrameSink {
  start(video: { width: number; height: number; fps: number; frames: number }): Promise<void>;
  write(rgb: Uint8Array, frames: number): Promise<void>;
  /** All frames written: finish the output (and make it visible under its final name). */
  finish(): Promise<void>;
  /** Something failed or the job was canceled: remove any partial output. */
  abort(reason: Error): Promise<void>;
}

/** Keeps frames in memory; for tests and for the smoke check's first-frame comparison. */
export class MemorySink implements FrameSink {
  frames: Uint8Array[] = [];
  video = { width: 0, height: 0, fps: 0, frames: 0 };
  finished = false;

  async start(video: { width: number; height: number; fps: number; frames: number }): Promise<void> {
    this.video = video;
  }

  async write(rgb: Uint8Array, frames: number): Promise<void> {
    const size = rgb.length / frames;
    for (let i = 0; i < frames; i++) this.frames.push(rgb.slice(i * size, (i + 1) * size));
  }

  async finish(): Promise<void> {
    this.finished = true;
  }

  async abort(): Promise<void> {
    this.frames = [];
  }
}
