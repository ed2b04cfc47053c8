import { I2vError } from "../errors.ts";
import type { ImageLimits } from "./image-input.ts";

/** What one generation reports and accepts, for every family's pipeline. */

/** Stages of one generation, in order, as they appear in timings and progress. */
export const STAGES = [
  "preprocess",
  "text_encode",
  "image_encode",
  "vae_encode",
  "denoise",
  "vae_decode",
  "encode",
] as const;
export type Stage = (typeof STAGES)[number];

export interface Progress {
  stage: Stage;
  step: number;
  steps: number;
}

export interface GenerateHooks {
  /** Cancel or deadline: checked between steps and chunks; the reason decides the error code. */
  signal?: AbortSignal;
  onProgress?(progress: Progress): void;
  imageLimits?: ImageLimits;
  /**
   * The initial noise, float32 [1, C, F, h, w], used as diffusers' `latents` argument is: multiplied
   * by the scheduler's init_noise_sigma. Instead of the seed's noise; for comparisons with a
   * reference run (npm run generate -- --init-latents).
   */
  initLatents?: Float32Array;
  /** Every intermediate tensor by stage name (parity checks); the data must not be kept mutable. */
  onTensor?(name: string, data: Float32Array | Uint8Array, dims: readonly number[]): void;
}

export interface GenerateResult {
  width: number;
  height: number;
  frames: number;
  fps: number;
  seed: number;
  /** Wall time of each stage (ms). */
  timings: Record<Stage, number>;
  /** Time inside ONNX Runtime (ms), in total and per session. */
  ortMs: number;
  ortBySession: Record<string, { ms: number; calls: number }>;
  /** Highest resident memory seen during the job, and at its start (MiB): their difference is the job's own peak. */
  peakRssMb: number;
  startRssMb: number;
}

/** Stage wall times and the job's peak resident memory, for a family's pipeline. */
export class StageTimer {
  readonly timings = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  readonly startRss = process.memoryUsage().rss;
  peakRss = this.startRss;
  private stageStart = performance.now();

  sampleMemory(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
  }

  end(stage: Stage): void {
    const now = performance.now();
    this.timings[stage] += now - this.stageStart;
    this.stageStart = now;
    this.sampleMemory();
  }
}

/** Throws the abort reason (cancel or deadline) when the job's signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason;
  throw reason instanceof I2vError ? reason : new I2vError("canceled", "The job was canceled.");
}
