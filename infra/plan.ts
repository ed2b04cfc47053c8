import { type PlacementCandidate, planCandidates } from "./decisions/capacity.ts";
import { planModelStorage, type StoragePlan } from "./decisions/storage.ts";
import type { StackSettings } from "./settings.ts";

/** The ordered placements to try for these settings (see decisions/capacity.ts for the order). */
export function candidatesFor(settings: StackSettings): PlacementCandidate[] {
  return planCandidates({ ...settings, subnetPinned: settings.subnetId !== undefined });
}

/** The placement this `pulumi up` deploys: the one the driver set, else the first candidate. */
export function currentPlacement(settings: StackSettings): PlacementCandidate {
  return settings.placement ?? (candidatesFor(settings)[0] as PlacementCandidate);
}

/** Where the weights live for `instanceType` under these settings. */
export function storagePlanFor(settings: StackSettings, instanceType: string): StoragePlan {
  return planModelStorage({
    instanceType,
    volumeGiB: settings.modelVolumeGiB,
    throughputMiBps: settings.modelVolumeThroughputMiBps,
    iops: settings.modelVolumeIops,
    snapshotId: settings.modelSnapshotId,
    initializationRateMiBps: settings.snapshotInitRateMiBps,
    preferEbs: settings.modelStorage === "ebs",
  });
}
