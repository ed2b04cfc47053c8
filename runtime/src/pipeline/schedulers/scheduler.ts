/** The contract every scheduler implements; the denoising loop codes against this only. */
import type { SchedulerKind } from "./kind.ts";

/**
 * A diffusion scheduler bound to one run (one step count). It holds preallocated buffers and, for
 * multistep solvers, the history of earlier steps: use one instance per run, or call `reset()`.
 */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** Timesteps for this run, in order of use (after setTimesteps). */
  readonly timesteps: readonly number[];
  /** Standard deviation of the initial noise; the first latents are `noise * initNoiseSigma`. */
  readonly initNoiseSigma: number;
  /**
   * Advance one step: writes the previous sample INTO `sample` (in place) and returns it.
   * Allocation-free per step (buffers are preallocated, or allocated once on the first step).
   */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array;
  /** x0 prediction from the model output at step index i, written into `out` (exposed for tests/guidance). */
  predictOriginal(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out: Float32Array,
  ): Float32Array;
  /**
   * Noises `original` to the level of step `stepIndex` (diffusers' `add_noise`), writing into `out`;
   * used to start a run part-way (image-to-image strength).
   */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number, out: Float32Array): Float32Array;
  /** Forgets the history of earlier steps, so the next step starts the solver afresh. */
  reset(): void;
}

/** Options that are not part of diffusers' config. */
export interface SchedulerOptions {
  /** Elements per sample; when given, step buffers are allocated in the constructor. */
  sampleLength?: number;
  /** DDIM's eta (0 = deterministic DDIM, 1 = DDPM-like); `step` then needs a noise array. Default 0. */
  eta?: number;
}

/** Throws unless the arrays a step reads and writes have one length. */
export function assertSameLength(name: string, expected: number, actual: number): void {
  if (actual !== expected) {
    throw new RangeError(`${name} has ${actual} elements, expected ${expected} (same as the sample)`);
  }
}
