import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";

/** Arguments for {@link AlicloudNetwork}. */
export interface AlicloudNetworkArgs {
  /** The zone of the vSwitch (and so of the box and its disk). */
  zone: string;
  /** VPC range. @default "10.77.0.0/16" */
  vpcCidr?: string;
  /** vSwitch range inside it. @default "10.77.1.0/24" */
  switchCidr?: string;
  tags: Tags;
}

/** A VPC of its own and one vSwitch in the placement's zone. */
export class AlicloudNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly vswitchId: pulumi.Output<string>;
  /** The vSwitch's zone, as declared (the rule tests compare it with the box and the disk). */
  public readonly zone: string;

  constructor(name: string, args: AlicloudNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:Network", name, {}, opts);
    const vpc = new alicloud.vpc.Network(
      `${name}-vpc`,
      { vpcName: `${name}-vpc`, cidrBlock: args.vpcCidr ?? "10.77.0.0/16", tags: args.tags },
      { parent: this },
    );
    const vswitch = new alicloud.vpc.Switch(
      `${name}-switch`,
      {
        vswitchName: `${name}-switch`,
        vpcId: vpc.id,
        cidrBlock: args.switchCidr ?? "10.77.1.0/24",
        zoneId: args.zone,
        tags: args.tags,
      },
      { parent: this },
    );
    this.vpcId = vpc.id;
    this.vswitchId = vswitch.id;
    this.zone = args.zone;
    this.registerOutputs({ vpcId: this.vpcId, vswitchId: this.vswitchId });
  }
}
