/**
 * Diffusion schedulers for the denoising loop: DDIM, DPM-Solver++(2M), UniPC (flow sigmas) and
 * flow-matching Euler, ported from diffusers
 * so that a model's `scheduler_config.json` gives the same timesteps and the same numbers.
 *
 * ```ts
 * const scheduler = createScheduler("dpmpp-2m", manifest.scheduler, 30);
 * scheduler.timesteps.forEach((t, i) => scheduler.step(unet(latents, t), i, latents));
 * ```
 */
import {
  type DdimConfig,
  type DpmSolverConfig,
  type FlowMatchEulerConfig,
  parseSchedulerConfig,
  SchedulerConfigError,
  type UniPcConfig,
} from "./config.ts";
import { DdimScheduler } from "./ddim.ts";
import { DpmSolverMultistepScheduler } from "./dpm-solver.ts";
import { FlowMatchEulerScheduler } from "./flow-match-euler.ts";
import type { AnySchedulerKind } from "./kind.ts";
import type { Scheduler, SchedulerOptions } from "./scheduler.ts";
import { UniPcMultistepScheduler } from "./unipc.ts";

export { makeAlphasCumprod, makeBetas, rescaleZeroTerminalSnr } from "./betas.ts";
export type {
  DdimConfig,
  DpmSolverConfig,
  FlowMatchEulerConfig,
  ParseResult,
  SchedulerConfigFor,
  UniPcConfig,
} from "./config.ts";
export { parseSchedulerConfig, SchedulerConfigError } from "./config.ts";
export { DdimScheduler, ddimVariance } from "./ddim.ts";
export { DpmSolverMultistepScheduler } from "./dpm-solver.ts";
export { FlowMatchEulerScheduler } from "./flow-match-euler.ts";
export {
  ALL_SCHEDULER_KINDS,
  type AnySchedulerKind,
  type FlowSchedulerKind,
  SCHEDULER_KINDS,
  type SchedulerKind,
} from "./kind.ts";
export type { LinearStep, Scheduler, SchedulerOptions } from "./scheduler.ts";
export { UniPcMultistepScheduler } from "./unipc.ts";

/** Checks the step count against the config, as diffusers' set_timesteps does. */
function stepCountProblems(numInferenceSteps: number, numTrainTimesteps: number): string[] {
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1) {
    return [`numInferenceSteps: must be a positive integer, got ${numInferenceSteps}`];
  }
  if (numInferenceSteps > numTrainTimesteps) {
    return [
      `numInferenceSteps: ${numInferenceSteps} is more than num_train_timesteps (${numTrainTimesteps})`,
    ];
  }
  return [];
}

/** Checks that every timestep indexes the training schedule (a large steps_offset can overflow it). */
function timestepProblems(timesteps: readonly number[], numTrainTimesteps: number): string[] {
  const bad = timesteps.filter((t) => t < 0 || t >= numTrainTimesteps);
  return bad.length === 0
    ? []
    : [`steps_offset: gives timesteps outside 0..${numTrainTimesteps - 1} (${bad.join(", ")})`];
}

/**
 * Builds a scheduler of `kind` from a diffusers scheduler config (unknown keys ignored, defaults
 * as diffusers), with timesteps set for `numInferenceSteps`.
 * @throws SchedulerConfigError listing every problem as `path: message`.
 */
export function createScheduler(
  kind: AnySchedulerKind,
  config: unknown,
  numInferenceSteps: number,
  options: SchedulerOptions = {},
): Scheduler {
  const parsed = parseSchedulerConfig(kind, config);
  if (!parsed.ok) throw new SchedulerConfigError(kind, parsed.problems);
  const steps = stepCountProblems(numInferenceSteps, parsed.config.num_train_timesteps);
  if (steps.length > 0) {
    throw new SchedulerConfigError(kind, steps, "Use between 1 and num_train_timesteps inference steps.");
  }
  const cfg = parsed.config;
  switch (kind) {
    case "unipc":
      return new UniPcMultistepScheduler(cfg as UniPcConfig, numInferenceSteps, options);
    case "flow-match-euler":
      // Continuous timesteps (sigma * N): the first is N itself, so no index check.
      return new FlowMatchEulerScheduler(cfg as FlowMatchEulerConfig, numInferenceSteps, options);
  }
  const scheduler =
    kind === "ddim"
      ? new DdimScheduler(cfg as DdimConfig, numInferenceSteps, options)
      : new DpmSolverMultistepScheduler(cfg as DpmSolverConfig, numInferenceSteps, options);
  const range = timestepProblems(scheduler.timesteps, cfg.num_train_timesteps);
  if (range.length > 0) throw new SchedulerConfigError(kind, range);
  return scheduler;
}
