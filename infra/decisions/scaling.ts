import type { WorkersSettings } from "../workers-schema.ts";

/** The custom metrics the API role publishes (scaleout branch: runtime/src/queue), dimension `Stack`. */
export const BACKLOG_PER_WORKER_METRIC = "BacklogPerWorker";
export const BACKLOG_METRIC = "Backlog";

/** Lifecycle hook names (the boot script completes them by name). */
export const TERMINATE_HOOK = "i2v-drain";
export const LAUNCH_HOOK = "i2v-prepared";

/** The workers' Auto Scaling group name: fixed, so the boot script and IAM can name it before it exists. */
export function workerGroupName(stack: string): string {
  return `i2v-${stack}-workers`;
}

/**
 * How the group buys capacity: on-demand only, or spot above an on-demand base. Spot uses
 * price-capacity-optimized (AWS's recommended strategy); on-demand follows the fallback order.
 */
export function instancesDistribution(workers: WorkersSettings) {
  return {
    onDemandAllocationStrategy: "prioritized",
    onDemandBaseCapacity: workers.spot ? workers.onDemandBase : 0,
    onDemandPercentageAboveBaseCapacity: workers.spot ? 0 : 100,
    ...(workers.spot ? { spotAllocationStrategy: "price-capacity-optimized" } : {}),
  };
}

/**
 * Target tracking cannot leave zero: with no worker in service, desired = 0 x metric / target = 0.
 * So a separate alarm wakes the group: backlog present and desired capacity zero, as metric math,
 * so it never fires once a worker is coming (it would otherwise add one per period while jobs wait).
 */
export const WAKE_EXPRESSION = "IF(backlog >= 1 AND desired == 0, 1, 0)";

/** Alarm and metric period in seconds (standard resolution; see the deploy-plan time breakdown). */
export const ALARM_PERIOD_SECONDS = 60;
