import { type PlacementCandidate, planCandidates } from "../decisions/capacity.ts";
import type { StackSettings } from "../settings.ts";
import { type EssdPlan, planEssd } from "./essd.ts";

/**
 * Alibaba's candidates: a vSwitch lives in one zone, so there is no "let the cloud choose" try;
 * each type is tried in each configured zone, types in preference order.
 */
export function alicloudCandidates(settings: StackSettings): PlacementCandidate[] {
  return planCandidates({ ...settings, subnetPinned: false }).filter((c) => c.zone !== undefined);
}

/** The placement this `pulumi up` deploys: the driver's, else the first candidate. */
export function alicloudPlacement(settings: StackSettings): PlacementCandidate {
  const first = alicloudCandidates(settings)[0];
  const placement = settings.placement ?? first;
  if (!placement?.zone) {
    throw new Error("alicloud: no zone to place the box in; set i2v:zones (e.g. cn-hangzhou-i)");
  }
  return placement;
}

const MB_PER_MIB = 1.048576;

/** The weights ESSD for these settings: the configured throughput (MiB/s) decides the level. */
export function alicloudDiskPlan(settings: StackSettings): EssdPlan {
  return planEssd(settings.modelVolumeThroughputMiBps * MB_PER_MIB, settings.modelVolumeGiB);
}
