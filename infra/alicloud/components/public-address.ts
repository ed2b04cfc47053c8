import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";

/** Arguments for {@link PublicAddress}. */
export interface PublicAddressArgs {
  /** Peak bandwidth in Mbit/s (pay by traffic). @default 100 */
  bandwidthMbps?: number;
  tags: Tags;
}

/**
 * An elastic IP allocated before the box, so its address is known when the TLS certificate is
 * issued (the certificate goes into the boot document), and it survives a replaced instance.
 */
export class PublicAddress extends pulumi.ComponentResource {
  public readonly ipAddress: pulumi.Output<string>;
  private readonly allocationId: pulumi.Output<string>;
  private readonly baseName: string;

  constructor(name: string, args: PublicAddressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:PublicAddress", name, {}, opts);
    this.baseName = name;
    const eip = new alicloud.ecs.EipAddress(
      `${name}-eip`,
      {
        addressName: `${name}-eip`,
        paymentType: "PayAsYouGo",
        internetChargeType: "PayByTraffic",
        bandwidth: String(args.bandwidthMbps ?? 100),
        tags: args.tags,
      },
      { parent: this },
    );
    this.ipAddress = eip.ipAddress;
    this.allocationId = eip.id;
    this.registerOutputs({ ipAddress: this.ipAddress });
  }

  /** Binds the address to the box. */
  associate(instanceId: pulumi.Input<string>): alicloud.ecs.EipAssociation {
    return new alicloud.ecs.EipAssociation(
      `${this.baseName}-association`,
      { allocationId: this.allocationId, instanceId, instanceType: "EcsInstance" },
      { parent: this },
    );
  }
}
