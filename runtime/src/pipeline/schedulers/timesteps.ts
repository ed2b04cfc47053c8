/**
 * Inference timesteps, as DDIMScheduler.set_timesteps and DPMSolverMultistepScheduler.set_timesteps
 * compute them. The two classes differ: DPM-Solver's "linspace" and "leading" spread
 * `num_inference_steps + 1` points and drop the last, and it can clip the schedule's end by lambda.
 */
import { arange, linspace, roundHalfEven } from "./numpy-compat.ts";

/** How inference timesteps are spread over the training range (Lin et al. 2023, Table 2). */
export type TimestepSpacing = "leading" | "trailing" | "linspace";

/** The inputs both classes read. */
export interface TimestepConfig {
  num_train_timesteps: number;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
}

/** DDIMScheduler.set_timesteps: descending integer timesteps. */
export function ddimTimesteps(config: TimestepConfig, numInferenceSteps: number): number[] {
  const n = config.num_train_timesteps;
  switch (config.timestep_spacing) {
    case "linspace":
      return linspace(0, n - 1, numInferenceSteps)
        .map(roundHalfEven)
        .reverse();
    case "leading": {
      const ratio = Math.floor(n / numInferenceSteps);
      const out: number[] = [];
      for (let i = numInferenceSteps - 1; i >= 0; i--) out.push(i * ratio + config.steps_offset);
      return out;
    }
    case "trailing":
      return arange(n, 0, -(n / numInferenceSteps)).map((t) => roundHalfEven(t) - 1);
  }
}

/**
 * DPMSolverMultistepScheduler.set_timesteps: descending integer timesteps. `lastTimestep` is
 * `num_train_timesteps` minus the number of timesteps clipped by `lambda_min_clipped`.
 */
export function dpmSolverTimesteps(
  config: TimestepConfig,
  numInferenceSteps: number,
  lastTimestep: number,
): number[] {
  switch (config.timestep_spacing) {
    case "linspace":
      return linspace(0, lastTimestep - 1, numInferenceSteps + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, -1);
    case "leading": {
      const ratio = Math.floor(lastTimestep / (numInferenceSteps + 1));
      const out: number[] = [];
      for (let i = numInferenceSteps; i >= 1; i--) out.push(i * ratio + config.steps_offset);
      return out;
    }
    case "trailing":
      // diffusers steps by the full training range here even when lambda clipping shortened it.
      return arange(lastTimestep, 0, -(config.num_train_timesteps / numInferenceSteps)).map(
        (t) => roundHalfEven(t) - 1,
      );
  }
}
