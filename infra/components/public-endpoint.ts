import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../decisions/tags.ts";
import { NetworkAccess } from "./network-access.ts";

/** Arguments for {@link PublicEndpoint}. */
export interface PublicEndpointArgs {
  /** The DNS name clients use, e.g. video.example.com. */
  domain: string;
  /** Route 53 hosted zone that holds `domain` (validation record and the alias). */
  hostedZoneId: string;
  vpcId: pulumi.Input<string>;
  /** Subnets in at least two zones (an ALB needs them). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Who may reach port 443. */
  allowedCidrs: string[];
  allowPublic: boolean;
  /** The runtime's HTTPS port on the box. */
  targetPort: number;
  tags: Tags;
}

/**
 * `i2v:domain` set: an ACM certificate validated through Route 53, an Application Load Balancer
 * with an HTTPS listener (TLS 1.3/1.2 policy) on 443 from `allowedCidrs`, forwarding over HTTPS to
 * the box (which keeps its private-CA certificate: the ALB encrypts to targets without verifying
 * them), and an alias record. Clients then need no `--ca`: the chain is public.
 */
export class PublicEndpoint extends pulumi.ComponentResource {
  /** The load balancer's security group; the box admits only it. */
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;
  private readonly targetGroup: aws.lb.TargetGroup;
  private readonly name: string;
  private readonly port: number;

  constructor(name: string, args: PublicEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:PublicEndpoint", name, {}, opts);
    const parent = { parent: this };
    this.name = name;
    this.port = args.targetPort;
    const certificate = new aws.acm.Certificate(
      `${name}-certificate`,
      { domainName: args.domain, validationMethod: "DNS", tags: args.tags },
      parent,
    );
    const option = certificate.domainValidationOptions[0] as pulumi.Output<{
      resourceRecordName: string;
      resourceRecordType: string;
      resourceRecordValue: string;
    }>;
    const validationRecord = new aws.route53.Record(
      `${name}-validation`,
      {
        zoneId: args.hostedZoneId,
        name: option.apply((o) => o.resourceRecordName),
        type: option.apply((o) => o.resourceRecordType),
        records: [option.apply((o) => o.resourceRecordValue)],
        ttl: 300,
        allowOverwrite: true,
      },
      parent,
    );
    const validated = new aws.acm.CertificateValidation(
      `${name}-validated`,
      { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
      parent,
    );
    const network = new NetworkAccess(
      `${name}-net`,
      {
        vpcId: args.vpcId,
        port: 443,
        allowedCidrs: args.allowedCidrs,
        allowPublic: args.allowPublic,
        tags: args.tags,
      },
      parent,
    );
    const balancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        securityGroups: [network.securityGroupId],
        subnets: args.subnetIds,
        dropInvalidHeaderFields: true,
        // SSE progress streams stay open for a whole generation.
        idleTimeout: 600,
        tags: args.tags,
      },
      parent,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-targets`,
      {
        vpcId: args.vpcId,
        port: args.targetPort,
        protocol: "HTTPS",
        targetType: "instance",
        healthCheck: { protocol: "HTTPS", path: "/livez", matcher: "200", interval: 15 },
        tags: args.tags,
      },
      parent,
    );
    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: balancer.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificateArn: validated.certificateArn,
        defaultActions: [{ type: "forward", targetGroupArn: this.targetGroup.arn }],
        tags: args.tags,
      },
      parent,
    );
    new aws.route53.Record(
      `${name}-alias`,
      {
        zoneId: args.hostedZoneId,
        name: args.domain,
        type: "A",
        aliases: [{ name: balancer.dnsName, zoneId: balancer.zoneId, evaluateTargetHealth: true }],
      },
      parent,
    );
    this.securityGroupId = network.securityGroupId;
    this.url = pulumi.output(`https://${args.domain}`);
    this.registerOutputs({ securityGroupId: this.securityGroupId, url: this.url });
  }

  /** Puts the box behind the load balancer. */
  attach(instanceId: pulumi.Input<string>): void {
    new aws.lb.TargetGroupAttachment(
      `${this.name}-target`,
      { targetGroupArn: this.targetGroup.arn, targetId: instanceId, port: this.port },
      { parent: this },
    );
  }
}
