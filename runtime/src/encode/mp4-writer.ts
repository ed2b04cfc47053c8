import { rm } from "node:fs/promises";
import { PassThrough } from "node:stream";
import ffmpeg from "fluent-ffmpeg";
import { I2vError } from "../errors.ts";
import type { FrameSink } from "../pipeline/frame-sink.ts";
import { renameDurable } from "../util/durable-write.ts";
import { findTool } from "./ffmpeg-path.ts";

/** Encoder settings; the defaults make an MP4 every browser plays. */
export interface Mp4Options {
  /** x264 constant rate factor: lower is better quality and bigger files. */
  crf: number;
  /** x264 preset: faster presets trade file size for encode time. */
  preset: string;
}

export const DEFAULT_MP4_OPTIONS: Mp4Options = { crf: 18, preset: "veryfast" };

/** How the writer is stopped from outside. */
export interface Mp4Control {
  /** Cancel or deadline: pending writes reject with the signal's reason and ffmpeg is killed. */
  signal?: AbortSignal;
  /** ffmpeg must take frames at least this often (ms), or it is killed as hung. Default 60 s. */
  stallTimeoutMs?: number;
}

/** How long abort() waits for a killed ffmpeg to report its exit before moving on. */
const ABORT_WAIT_MS = 5000;

/**
 * Streams RGB24 frames into ffmpeg (H.264, yuv420p, +faststart) as they are decoded. Writes to a
 * temporary name and renames on success, so a failed or canceled job never leaves a partial MP4
 * under the final name.
 */
export class Mp4Writer implements FrameSink {
  private input: PassThrough | undefined;
  private done: Promise<void> | undefined;
  private stderrTail: string[] = [];
  private readonly partial: string;
  private command: ReturnType<typeof ffmpeg> | undefined;

  constructor(
    readonly outPath: string,
    private readonly options: Mp4Options = DEFAULT_MP4_OPTIONS,
    private readonly control: Mp4Control = {},
  ) {
    this.partial = `${outPath}.partial-${process.pid}.mp4`;
  }

  async start(video: { width: number; height: number; fps: number }): Promise<void> {
    if (video.width % 2 || video.height % 2)
      throw new I2vError("encode_failed", `yuv420p needs even sizes, got ${video.width}x${video.height}`);
    const input = new PassThrough({ highWaterMark: video.width * video.height * 3 * 2 });
    this.input = input;
    const command = ffmpeg({ stdoutLines: 0 })
      .setFfmpegPath(findTool("ffmpeg").path)
      .input(input)
      .inputFormat("rawvideo")
      .inputOptions([
        "-pix_fmt rgb24",
        `-video_size ${video.width}x${video.height}`,
        `-framerate ${video.fps}`,
      ])
      .videoCodec("libx264")
      .outputOptions([
        "-pix_fmt yuv420p",
        `-crf ${this.options.crf}`,
        `-preset ${this.options.preset}`,
        `-r ${video.fps}`,
        "-movflags +faststart",
        "-an",
      ])
      .format("mp4")
      .on("stderr", (line: string) => {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
      });
    this.done = new Promise<void>((resolve, reject) => {
      command.on("end", () => resolve());
      // fluent-ffmpeg passes ffmpeg's stdout and stderr after the error.
      command.on("error", (...args: unknown[]) =>
        reject(this.failure(args[0] as Error, String(args[2] ?? ""))),
      );
    });
    // A failure before finish() is awaited there; keep it from surfacing as an unhandled rejection.
    this.done.catch(() => undefined);
    this.command = command;
    command.save(this.partial);
  }

  /**
   * Waits for ffmpeg to take the frames. A hung ffmpeg would otherwise hold the job here forever,
   * past cancel and the job deadline: the wait also ends on the signal and after the stall timeout.
   */
  async write(rgb: Uint8Array): Promise<void> {
    const input = this.requireStarted();
    if (!input.write(rgb)) {
      const stallMs = this.control.stallTimeoutMs ?? 60_000;
      await this.racing(new Promise((resolve) => input.once("drain", resolve)), stallMs);
    }
  }

  async finish(): Promise<void> {
    this.requireStarted().end();
    await this.racing(this.done as Promise<void>);
    await renameDurable(this.partial, this.outPath);
  }

  async abort(): Promise<void> {
    this.input?.destroy();
    this.kill();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.done?.catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ABORT_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await rm(this.partial, { force: true });
  }

  /** Races `work` against ffmpeg failing, the signal, and (when given) a stall timeout. */
  private async racing(work: Promise<unknown>, stallMs?: number): Promise<void> {
    const { signal } = this.control;
    signal?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => {
        this.kill();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (stallMs !== undefined) {
        timer = setTimeout(() => {
          this.kill();
          reject(
            new I2vError(
              "encode_failed",
              `ffmpeg took no frames for ${Math.round(stallMs / 1000)} s; it was stopped.`,
            ),
          );
        }, stallMs);
      }
    });
    try {
      await Promise.race([work, this.done, stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
    }
  }

  private kill(): void {
    try {
      this.command?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  private requireStarted(): PassThrough {
    if (!this.input) throw new Error("Mp4Writer.start() was not called");
    return this.input;
  }

  private failure(error: Error, stderr = ""): I2vError {
    const lines = stderr ? stderr.trim().split("\n") : this.stderrTail;
    const tail = lines.slice(-8).join("\n");
    return new I2vError("encode_failed", `ffmpeg failed: ${error.message}${tail ? `\n${tail}` : ""}`, {
      stderr: tail,
    });
  }
}
