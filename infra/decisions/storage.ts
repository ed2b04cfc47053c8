import { instanceTypeSpec } from "../catalog/instance-types.ts";

/** Where the model weights live on the box. */
export type StoragePlan =
  | {
      kind: "instance-store";
      /** Local NVMe devices to stripe (1 means no RAID). */
      devices: number;
      /** Usable size in GB, for the plan printout. */
      sizeGB: number;
    }
  | {
      kind: "ebs";
      /** gp3 size in GiB. */
      sizeGiB: number;
      /** Provisioned gp3 throughput in MiB/s (125 included, up to 1000). */
      throughputMiBps: number;
      /** Provisioned gp3 IOPS (3000 included, up to 16000). */
      iops: number;
      /** Restore from this snapshot (weights already on it). */
      snapshotId: string | undefined;
      /** Provisioned initialization rate for a snapshot restore in MiB/s (100-300), so reads are not lazy. */
      initializationRateMiBps: number | undefined;
      /** Why EBS was chosen, for the plan printout. */
      reason: string;
    };

/** Inputs for {@link planModelStorage}. */
export interface StoragePlanInput {
  instanceType: string;
  /** gp3 size when EBS is used. */
  volumeGiB: number;
  /** gp3 throughput when EBS is used. */
  throughputMiBps: number;
  /** gp3 IOPS when EBS is used. */
  iops: number;
  /** A snapshot that already holds the weights. */
  snapshotId: string | undefined;
  /** Initialization rate for the snapshot restore. */
  initializationRateMiBps: number | undefined;
  /** Force EBS even where the type has instance store (weights then survive instance replacement). */
  preferEbs: boolean;
}

/**
 * Instance-store NVMe when the type has it: no hydration and the fastest reads, but ephemeral.
 * A snapshot or an explicit preference means EBS: a snapshot can only become an EBS volume.
 */
export function planModelStorage(input: StoragePlanInput): StoragePlan {
  const spec = instanceTypeSpec(input.instanceType);
  const ebs = (reason: string): StoragePlan => ({
    kind: "ebs",
    sizeGiB: input.volumeGiB,
    throughputMiBps: clamp(input.throughputMiBps, 125, 1000),
    // gp3 allows at most 500 IOPS per GiB; keep the request valid for small volumes.
    iops: clamp(input.iops, 3000, Math.min(16000, Math.max(3000, input.volumeGiB * 500))),
    snapshotId: input.snapshotId,
    initializationRateMiBps:
      input.snapshotId && input.initializationRateMiBps !== undefined
        ? clamp(input.initializationRateMiBps, 100, 300)
        : undefined,
    reason,
  });
  if (input.snapshotId) return ebs(`restoring weights from snapshot ${input.snapshotId}`);
  if (input.preferEbs) return ebs("modelStorage set to ebs");
  if (!spec) return ebs(`${input.instanceType} is not in the catalog, so its instance store is unknown`);
  if (spec.instanceStoreDevices === 0) return ebs(`${input.instanceType} has no instance store`);
  return { kind: "instance-store", devices: spec.instanceStoreDevices, sizeGB: spec.instanceStoreGB };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(value)));
}
