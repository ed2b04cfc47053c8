import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StoragePlan } from "../decisions/storage.ts";
import { type Tags, withName } from "../decisions/tags.ts";

/** Arguments for {@link ModelStorage}. */
export interface ModelStorageArgs {
  /** What {@link planModelStorage} decided for the chosen instance type. */
  plan: StoragePlan;
  /** The instance the volume attaches to. */
  instanceId: pulumi.Input<string>;
  /** The instance's zone; an EBS volume must live in the same one. */
  availabilityZone: pulumi.Input<string>;
  /** Device name for the attachment (on Nitro it shows up as NVMe; the box finds it by model). @default "/dev/sdf" */
  deviceName?: string;
  /** Tags for every child. */
  tags: Tags;
}

/**
 * Fast storage for the weights. Instance-store NVMe needs no resource (the box formats it at boot);
 * otherwise an encrypted gp3 volume with provisioned throughput, optionally restored from a
 * snapshot at a provisioned initialization rate so the first read is not lazy. The volume is its
 * own resource, not part of the instance, so weights survive an instance replacement in its zone.
 */
export class ModelStorage extends pulumi.ComponentResource {
  /** "instance-store" or "ebs". */
  public readonly kind: StoragePlan["kind"];
  /** The EBS volume id, when there is one. */
  public readonly volumeId: pulumi.Output<string | undefined>;

  constructor(name: string, args: ModelStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:ModelStorage", name, {}, opts);
    const plan = args.plan;
    const volume = plan.kind === "ebs" ? createVolume(this, plan) : undefined;
    if (volume) createAttachment(this, volume);

    this.kind = plan.kind;
    this.volumeId = volume ? volume.id : pulumi.output(undefined);
    this.registerOutputs({ kind: this.kind, volumeId: this.volumeId });

    function createVolume(parent: ModelStorage, ebs: Extract<StoragePlan, { kind: "ebs" }>): aws.ebs.Volume {
      return new aws.ebs.Volume(
        `${name}-volume`,
        {
          availabilityZone: args.availabilityZone,
          type: "gp3",
          size: ebs.sizeGiB,
          throughput: ebs.throughputMiBps,
          iops: ebs.iops,
          encrypted: true,
          snapshotId: ebs.snapshotId,
          volumeInitializationRate: ebs.initializationRateMiBps,
          tags: withName(args.tags, `${name}-models`),
        },
        { parent },
      );
    }

    function createAttachment(parent: ModelStorage, volume: aws.ebs.Volume): void {
      new aws.ec2.VolumeAttachment(
        `${name}-attachment`,
        {
          instanceId: args.instanceId,
          volumeId: volume.id,
          deviceName: args.deviceName ?? "/dev/sdf",
          // Stop before detaching so the filesystem is unmounted cleanly on replacement.
          stopInstanceBeforeDetaching: true,
        },
        { parent },
      );
    }
  }
}
