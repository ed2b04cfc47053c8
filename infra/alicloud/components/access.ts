import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { type IngressRule, planIngress } from "../../decisions/ingress.ts";
import type { Tags } from "../../decisions/tags.ts";

/** Arguments for {@link AlicloudAccess}. */
export interface AlicloudAccessArgs {
  vpcId: pulumi.Input<string>;
  /** The API port. */
  port: number;
  /** CIDRs allowed to reach the API port. */
  allowedCidrs: string[];
  /** Allow the whole internet. @default false */
  allowPublic?: boolean;
  tags: Tags;
}

/**
 * The box's security group: the API port from the allowed CIDRs only, nothing else inbound (no
 * SSH; the ECS console's Workbench or Cloud Assistant reach the box without a port). Outbound is
 * the group's default (all allowed), which ACR, OOS and the weights endpoints need.
 */
export class AlicloudAccess extends pulumi.ComponentResource {
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: AlicloudAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): an invalid component then registers nothing at all.
    const rules = normalizeRules(args);
    super("i2v:alicloud:Access", name, {}, opts);
    const group = new alicloud.ecs.SecurityGroup(
      `${name}-sg`,
      {
        securityGroupName: `${name}-sg`,
        vpcId: args.vpcId,
        description: `i2v API on port ${args.port}; no SSH`,
        tags: args.tags,
      },
      { parent: this },
    );
    for (const [index, rule] of rules.entries()) {
      new alicloud.ecs.SecurityGroupRule(
        `${name}-api-${index}`,
        {
          securityGroupId: group.id,
          type: "ingress",
          ipProtocol: "tcp",
          portRange: `${args.port}/${args.port}`,
          policy: "accept",
          priority: 1,
          nicType: "intranet",
          ...(rule.family === "ipv4" ? { cidrIp: rule.cidr } : { ipv6CidrIp: rule.cidr }),
          description: `i2v API from ${rule.cidr}`,
        },
        { parent: this },
      );
    }
    this.securityGroupId = group.id;
    this.registerOutputs({ securityGroupId: this.securityGroupId });
  }
}

function normalizeRules(args: AlicloudAccessArgs): IngressRule[] {
  const plan = planIngress(args.allowedCidrs, args.allowPublic ?? false);
  if (!plan.ok) throw new Error(`i2v alicloud access: ${plan.errors.join("; ")}`);
  return plan.rules;
}
