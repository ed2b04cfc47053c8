/** The schedulers this runtime implements: DDIM and DPM-Solver++(2M). */
export type SchedulerKind = "ddim" | "dpmpp-2m";

/** All scheduler kinds, for validation and listings. */
export const SCHEDULER_KINDS: readonly SchedulerKind[] = ["ddim", "dpmpp-2m"];
