/** The contract every scheduler implements; the denoising loop codes against this only. */
import type { AnySchedulerKind } from "./kind.ts";

/**
 * A diffusion scheduler bound to one run (one step count). It holds preallocated buffers and, for
 * multistep solvers, the history of earlier steps: use one instance per run, or call `reset()`.
 */
export interface Scheduler {
  readonly kind: AnySchedulerKind;
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
  /**
   * Step `stepIndex` as linear coefficients, for running the update inside an ONNX graph (see
   * pipeline/helper-graphs.ts). Valid when steps run in order from 0, with `history` holding the
   * previous step's x0. Throws for a stochastic step (DDIM eta > 0).
   */
  linearStep(stepIndex: number): LinearStep;
}

/**
 * One step as `x0 = clip(x0Sample*sample + x0Output*output, +-clip)` and
 * `next = prevX0*x0 + prevSample*sample + prevOutput*output + prevHistory*history`.
 */
export interface LinearStep {
  x0Sample: number;
  x0Output: number;
  /** Clip range of x0; Infinity for none. */
  clip: number;
  prevX0: number;
  prevSample: number;
  prevOutput: number;
  prevHistory: number;
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
