import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type Tags, withName } from "../decisions/tags.ts";

/** The Valkey port. */
export const QUEUE_PORT = 6379;

/** Arguments for {@link JobQueue}. */
export interface JobQueueArgs {
  vpcId: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security groups allowed to connect (the API's and the workers'); nothing else can. */
  clientSecurityGroupIds: pulumi.Input<string>[];
  /** ElastiCache node type. */
  nodeType: string;
  /** SSM parameter name for the queue URL (SecureString: it carries the auth token). */
  urlParameterName: string;
  /** A replica in a second zone with automatic failover (needs subnets in two zones). @default true */
  highAvailability?: boolean;
  /** Tags for every child. */
  tags: Tags;
}

/**
 * The shared BullMQ queue: ElastiCache for Valkey, node-based (serverless ElastiCache lacks what
 * BullMQ needs), a primary and a replica in two zones with automatic failover, in the VPC, TLS in
 * transit, encrypted at rest, an AUTH token, and `maxmemory-policy noeviction` so an accepted job
 * is never evicted. Reachable only from the client security groups, on 6379. The `rediss://` URL
 * with the token lives in an SSM SecureString the boxes read at start; never in user data.
 */
export class JobQueue extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  public readonly urlParameterArn: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: JobQueueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:JobQueue", name, {}, opts);
    const parent = { parent: this };
    const ha = args.highAvailability ?? true;
    const group = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "i2v queue: Valkey from the API and workers only",
        tags: withName(args.tags, `${name}-sg`),
      },
      parent,
    );
    args.clientSecurityGroupIds.forEach((client, index) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-${index}`,
        {
          securityGroupId: group.id,
          ipProtocol: "tcp",
          fromPort: QUEUE_PORT,
          toPort: QUEUE_PORT,
          referencedSecurityGroupId: client,
          description: "Valkey from an i2v role",
          tags: args.tags,
        },
        parent,
      );
    });
    const subnets = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: "i2v queue subnets", tags: args.tags },
      parent,
    );
    const parameters = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        family: "valkey8",
        description: "i2v queue: never evict an accepted job",
        parameters: [{ name: "maxmemory-policy", value: "noeviction" }],
        tags: args.tags,
      },
      parent,
    );
    // Letters and digits: ElastiCache refuses some punctuation, and the token goes into a URL.
    const token = new random.RandomPassword(`${name}-auth`, { length: 40, special: false }, parent);
    const cluster = new aws.elasticache.ReplicationGroup(
      `${name}-valkey`,
      {
        description: "i2v job queue (BullMQ)",
        engine: "valkey",
        engineVersion: "8.0",
        nodeType: args.nodeType,
        numCacheClusters: ha ? 2 : 1,
        automaticFailoverEnabled: ha,
        multiAzEnabled: ha,
        port: QUEUE_PORT,
        parameterGroupName: parameters.name,
        subnetGroupName: subnets.name,
        securityGroupIds: [group.id],
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        authToken: pulumi.secret(token.result),
        snapshotRetentionLimit: 1,
        tags: args.tags,
      },
      parent,
    );
    const url = new aws.ssm.Parameter(
      `${name}-url`,
      {
        name: args.urlParameterName,
        type: "SecureString",
        value: pulumi.secret(
          pulumi.interpolate`rediss://:${token.result}@${cluster.primaryEndpointAddress}:${QUEUE_PORT}`,
        ),
        description: "i2v queue URL with its auth token (read by the boxes at start)",
        tags: args.tags,
      },
      parent,
    );

    this.endpoint = pulumi.interpolate`${cluster.primaryEndpointAddress}:${QUEUE_PORT}`;
    this.urlParameterArn = url.arn;
    this.securityGroupId = group.id;
    this.registerOutputs({ endpoint: this.endpoint, urlParameterArn: this.urlParameterArn });
  }
}
