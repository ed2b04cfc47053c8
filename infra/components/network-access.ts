import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type IngressRule, planIngress } from "../decisions/ingress.ts";
import { type Tags, withName } from "../decisions/tags.ts";

/** Arguments for {@link NetworkAccess}. */
export interface NetworkAccessArgs {
  /** VPC of the security group. @default the region's default VPC (when undefined) */
  vpcId?: pulumi.Input<string>;
  /** The API port. @default 7860 */
  port?: number;
  /** CIDRs allowed to reach the API port. @default [] (reach it through SSM port forwarding) */
  allowedCidrs?: string[];
  /** Allow the whole internet (0.0.0.0/0). @default false */
  allowPublic?: boolean;
  /** Security groups allowed to reach the port (a load balancer's). @default [] */
  allowedSecurityGroupIds?: pulumi.Input<string>[];
  /** Tags for every child. */
  tags: Tags;
}

/**
 * The box's security group: the API port from the allowed CIDRs only, no SSH (Session Manager
 * replaces it), and outbound open so the box can reach ECR, SSM and the model endpoint.
 */
export class NetworkAccess extends pulumi.ComponentResource {
  /** The security group for the box. */
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): an invalid component then registers nothing at all.
    const rules = normalizeRules(args);
    super("i2v:infra:NetworkAccess", name, {}, opts);
    const port = args.port ?? 7860;
    const group = createSecurityGroup(this);
    createIngressRules(this, group);
    for (const [index, source] of (args.allowedSecurityGroupIds ?? []).entries()) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-group-${index}`,
        {
          securityGroupId: group.id,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          referencedSecurityGroupId: source,
          description: "i2v API from its load balancer",
          tags: args.tags,
        },
        { parent: this },
      );
    }
    createEgressRule(this, group);

    this.securityGroupId = group.id;
    this.registerOutputs({ securityGroupId: this.securityGroupId });

    function createSecurityGroup(parent: NetworkAccess): aws.ec2.SecurityGroup {
      return new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
          vpcId: args.vpcId,
          description: `i2v API on port ${port}; no SSH`,
          tags: withName(args.tags, `${name}-sg`),
        },
        { parent },
      );
    }

    function createIngressRules(parent: NetworkAccess, group: aws.ec2.SecurityGroup): void {
      for (const [index, rule] of rules.entries()) {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-api-${index}`,
          {
            securityGroupId: group.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            ...(rule.family === "ipv4" ? { cidrIpv4: rule.cidr } : { cidrIpv6: rule.cidr }),
            description: `i2v API from ${rule.cidr}`,
            tags: args.tags,
          },
          { parent },
        );
      }
    }

    function createEgressRule(parent: NetworkAccess, group: aws.ec2.SecurityGroup): void {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-egress`,
        {
          securityGroupId: group.id,
          ipProtocol: "-1",
          cidrIpv4: "0.0.0.0/0",
          description: "ECR, SSM, model endpoint",
          tags: args.tags,
        },
        { parent },
      );
    }
  }
}

function normalizeRules(args: NetworkAccessArgs): IngressRule[] {
  const plan = planIngress(args.allowedCidrs ?? [], args.allowPublic ?? false);
  if (!plan.ok) throw new Error(`i2v network access: ${plan.errors.join("; ")}`);
  return plan.rules;
}
