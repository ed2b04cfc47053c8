/**
 * Flow-matching Euler, as diffusers' FlowMatchEulerDiscreteScheduler (deterministic, fixed shift):
 * the model predicts the velocity, and each step moves the sample by (sigma_next - sigma) times it.
 * The step-distilled Wan variants (4 steps, no guidance) are sampled with it.
 */
import type { FlowMatchEulerConfig } from "./config.ts";
import { flowMatchEulerSchedule, flowPredictOriginal } from "./flow-sigmas.ts";
import { assertSameLength, type LinearStep, type Scheduler, type SchedulerOptions } from "./scheduler.ts";

const f32 = Math.fround;

export class FlowMatchEulerScheduler implements Scheduler {
  readonly kind = "flow-match-euler" as const;
  /** Continuous timesteps (`sigma * num_train_timesteps` in float32): the first is 1000, not 999. */
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1.0;
  /** sigma per step plus the final 0 (float32, as diffusers holds them). */
  readonly sigmas: Float32Array;

  constructor(config: FlowMatchEulerConfig, numInferenceSteps: number, _options: SchedulerOptions = {}) {
    const schedule = flowMatchEulerSchedule(config, numInferenceSteps);
    this.timesteps = Object.freeze(schedule.timesteps);
    this.sigmas = schedule.sigmas;
  }

  private sigmaPair(stepIndex: number): { sigma: number; dt: number } {
    const sigma = this.sigmas[stepIndex];
    if (sigma === undefined || stepIndex >= this.timesteps.length)
      throw new RangeError(`step index ${stepIndex} is outside 0..${this.timesteps.length - 1}`);
    return { sigma, dt: f32((this.sigmas[stepIndex + 1] as number) - sigma) };
  }

  predictOriginal(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out: Float32Array,
  ): Float32Array {
    return flowPredictOriginal(this.sigmaPair(stepIndex).sigma, modelOutput, sample, out);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    const { dt } = this.sigmaPair(stepIndex);
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    for (let i = 0; i < sample.length; i++) {
      sample[i] = f32((sample[i] as number) + f32(dt * (modelOutput[i] as number)));
    }
    return sample;
  }

  /** diffusers' scale_noise: sigma * noise + (1 - sigma) * original. */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number, out: Float32Array): Float32Array {
    const { sigma } = this.sigmaPair(stepIndex);
    const keep = f32(1 - sigma);
    assertSameLength("noise", original.length, noise.length);
    assertSameLength("out", original.length, out.length);
    for (let i = 0; i < original.length; i++) {
      out[i] = f32(f32(sigma * (noise[i] as number)) + f32(keep * (original[i] as number)));
    }
    return out;
  }

  reset(): void {}

  /** next = sample + dt * output (x0 unused); LatentUpdater rounds once where torch rounds twice. */
  linearStep(stepIndex: number): LinearStep {
    const { sigma, dt } = this.sigmaPair(stepIndex);
    return {
      x0Sample: 1,
      x0Output: -sigma,
      clip: Number.POSITIVE_INFINITY,
      prevX0: 0,
      prevSample: 1,
      prevOutput: dt,
      prevHistory: 0,
    };
  }
}
