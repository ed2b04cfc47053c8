/**
 * The schedulers a request, the contract and the manifest name today: DDIM and DPM-Solver++(2M)
 * (I2VGen-XL's). Widening this type widens the API: the contract lists its own names.
 */
export type SchedulerKind = "ddim" | "dpmpp-2m";

/** All scheduler kinds, for validation and listings. */
export const SCHEDULER_KINDS: readonly SchedulerKind[] = ["ddim", "dpmpp-2m"];

/** The flow-matching schedulers (Wan): UniPC with flow sigmas, and Euler for step-distilled variants. */
export type FlowSchedulerKind = "unipc" | "flow-match-euler";

/** Every scheduler this module implements (what `createScheduler` takes). */
export type AnySchedulerKind = SchedulerKind | FlowSchedulerKind;

export const ALL_SCHEDULER_KINDS: readonly AnySchedulerKind[] = [
  "ddim",
  "dpmpp-2m",
  "unipc",
  "flow-match-euler",
];
