import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";
import type { EssdPlan } from "../essd.ts";

/** Arguments for {@link WeightsDisk}. */
export interface WeightsDiskArgs {
  /** Level and size from {@link planEssd}. */
  plan: EssdPlan;
  /** The box's zone; a disk attaches only in its own zone. */
  zone: string;
  tags: Tags;
}

/**
 * The encrypted ESSD the weights live on, its own resource so the weights survive a replaced
 * instance in the same zone. The box finds it by serial (the disk id without `d-`).
 */
export class WeightsDisk extends pulumi.ComponentResource {
  public readonly diskId: pulumi.Output<string>;
  private readonly baseName: string;

  constructor(name: string, args: WeightsDiskArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:WeightsDisk", name, {}, opts);
    this.baseName = name;
    const disk = new alicloud.ecs.EcsDisk(
      `${name}-essd`,
      {
        diskName: `${name}-essd`,
        zoneId: args.zone,
        category: "cloud_essd",
        performanceLevel: args.plan.level,
        size: args.plan.sizeGiB,
        encrypted: true,
        description: `i2v weights, ${args.plan.reason}`,
        tags: args.tags,
      },
      { parent: this },
    );
    this.diskId = disk.id;
    this.registerOutputs({ diskId: this.diskId });
  }

  /** Attaches the disk to the box (after the box exists; the box waits for it at boot). */
  attachTo(instanceId: pulumi.Input<string>): alicloud.ecs.EcsDiskAttachment {
    return new alicloud.ecs.EcsDiskAttachment(
      `${this.baseName}-attachment`,
      { diskId: this.diskId, instanceId },
      { parent: this },
    );
  }
}
