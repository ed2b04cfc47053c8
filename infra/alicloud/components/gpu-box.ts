import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";
import { isAlicloudGpuType } from "../catalog.ts";
import { packAlicloudUserData } from "../user-data/cloud-config.ts";

/** Arguments for {@link AlicloudGpuBox}. */
export interface AlicloudGpuBoxArgs {
  /** ECS type of the gn6i, gn7i or gn7e family. */
  instanceType: string;
  /** The zone; must be the vSwitch's. */
  zone: string;
  vswitchId: pulumi.Input<string>;
  securityGroupIds: pulumi.Input<string>[];
  /** The image id: `i2v:imageId`, or the public image the program looked up. */
  imageId: pulumi.Input<string>;
  /**
   * The image was looked up (not named in config): keep the one the box was created from, so a newer
   * public image never replaces the box; `pulumi up --replace` on the instance moves on.
   */
  pinLookedUpImage?: boolean;
  /** The rendered cloud-init document. */
  userData: pulumi.Input<string>;
  /** The RAM role attached to the instance. */
  roleName: pulumi.Input<string>;
  /** On-demand (NoSpot) or spot (SpotAsPriceGo). @default "on-demand" */
  market?: "on-demand" | "spot";
  /** System disk (Docker's images) in GiB. @default 150 */
  systemDiskGiB?: number;
  tags: Tags;
}

/**
 * One ECS GPU instance: pay-as-you-go (or spot), metadata in hardened mode only (tokens required,
 * hop limit 1 so containers cannot reach the role's credentials), an encrypted ESSD system disk,
 * no public IP of its own (the elastic IP is bound separately) and user data that does the rest.
 */
export class AlicloudGpuBox extends pulumi.ComponentResource {
  public readonly instanceId: pulumi.Output<string>;
  public readonly availabilityZone: pulumi.Output<string>;
  /** The image the box runs (in state: the pinned one). */
  public readonly imageId: pulumi.Output<string>;

  constructor(name: string, args: AlicloudGpuBoxArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!isAlicloudGpuType(args.instanceType)) {
      throw new Error(
        `i2v alicloud box: ${args.instanceType} is not an NVIDIA GPU type (ecs.gn6i-*, ecs.gn7i-*, ecs.gn7e-*)`,
      );
    }
    super("i2v:alicloud:GpuBox", name, {}, opts);
    const instance = new alicloud.ecs.Instance(
      `${name}-instance`,
      {
        instanceName: name,
        instanceType: args.instanceType,
        imageId: args.imageId,
        availabilityZone: args.zone,
        vswitchId: args.vswitchId,
        securityGroups: args.securityGroupIds,
        instanceChargeType: "PostPaid",
        spotStrategy: args.market === "spot" ? "SpotAsPriceGo" : "NoSpot",
        internetMaxBandwidthOut: 0,
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        systemDiskCategory: "cloud_essd",
        systemDiskPerformanceLevel: "PL1",
        systemDiskSize: args.systemDiskGiB ?? 150,
        systemDiskEncrypted: true,
        userData: pulumi.output(args.userData).apply(packAlicloudUserData),
        tags: args.tags,
        volumeTags: args.tags,
      },
      // cloud-init runs once per instance: a changed boot document only takes effect on a new one.
      // Delete first: the weights disk and the EIP can be bound to one instance at a time.
      {
        parent: this,
        replaceOnChanges: ["userData"],
        deleteBeforeReplace: true,
        ...(args.pinLookedUpImage ? { ignoreChanges: ["imageId"] } : {}),
      },
    );
    new alicloud.ecs.RamRoleAttachment(
      `${name}-role`,
      { instanceId: instance.id, ramRoleName: args.roleName },
      { parent: this },
    );
    this.instanceId = instance.id;
    this.availabilityZone = instance.availabilityZone;
    this.imageId = instance.imageId;
    this.registerOutputs({ instanceId: this.instanceId, availabilityZone: this.availabilityZone });
  }
}
