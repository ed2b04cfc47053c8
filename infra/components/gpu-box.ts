import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amiParameterName } from "../decisions/ami.ts";
import { isGpuInstanceType } from "../decisions/gpu-family.ts";
import { boxPolicy, EC2_ASSUME_ROLE, type PolicyDocument } from "../decisions/iam.ts";
import { type Tags, withName } from "../decisions/tags.ts";
import { packUserData } from "../user-data/cloud-config.ts";

/** Arguments for {@link GpuBox}. */
export interface GpuBoxArgs {
  /** EC2 instance type; must be an NVIDIA GPU family. */
  instanceType: string;
  /** Pin to this zone (uses the default VPC's default subnet there). @default undefined: EC2 chooses */
  zone?: string;
  /** A fixed subnet; wins over `zone`. @default undefined */
  subnetId?: pulumi.Input<string>;
  /** Security groups for the instance. */
  securityGroupIds: pulumi.Input<string>[];
  /** The rendered cloud-init document (as text; the component gzips it). */
  userData: pulumi.Input<string>;
  /** Public SSM parameter to resolve the AMI from when no `amiId` is pinned. @default DLAMI_PARAMETER */
  amiParameterName?: string;
  /** A fixed AMI id. @default the current Deep Learning Base OSS NVIDIA GPU AMI (Ubuntu 22.04), via SSM */
  amiId?: string;
  /** On-demand or spot. @default "on-demand" */
  market?: "on-demand" | "spot";
  /** Root volume size in GiB; Docker's images live there. @default 150 */
  rootVolumeGiB?: number;
  /** Root volume gp3 throughput in MiB/s; image pulls write here. @default 250 */
  rootThroughputMiBps?: number;
  /** ECR repository the box may pull from. @default undefined: no ECR permission */
  repositoryArn?: pulumi.Input<string | undefined>;
  /** SSM parameter holding the API token, which the box may read. @default undefined */
  tokenParameterArn?: pulumi.Input<string | undefined>;
  /** SSM parameters holding the TLS certificate, CA and key, which the box may read. @default undefined */
  tlsParameterArns?: pulumi.Input<string[] | undefined>;
  /** Refuse instance types without an NVIDIA GPU. @default true (false: the scale-out's API box) */
  requireGpu?: boolean;
  /** The role's inline policy instead of {@link boxPolicy} from the ARNs above (the scale-out's API box). */
  policy?: pulumi.Input<PolicyDocument>;
  /** Tags for every child. */
  tags: Tags;
}

/**
 * One GPU instance running the runtime: a GPU-ready AMI, a least-privilege instance profile,
 * IMDSv2 only, an encrypted root volume, and user-data that does the rest.
 *
 * Cost: the instance bills per second while it runs (see `npm run deploy-plan`); `pulumi destroy`
 * stops it.
 */
export class GpuBox extends pulumi.ComponentResource {
  /** The EC2 instance id. */
  public readonly instanceId: pulumi.Output<string>;
  /** Public IPv4 address (empty in a subnet without public IPs). */
  public readonly publicIp: pulumi.Output<string>;
  /** The zone EC2 placed the instance in. */
  public readonly availabilityZone: pulumi.Output<string>;

  constructor(name: string, args: GpuBoxArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before super(): an invalid component then registers nothing at all.
    normalizeArgs(args);
    super("i2v:infra:GpuBox", name, {}, opts);
    const amiId = lookupAmi(this);
    const subnetId = resolveSubnet(this);
    const profile = createInstanceProfile(this);
    const instance = createInstance(this, amiId, subnetId, profile);

    this.instanceId = instance.id;
    this.publicIp = instance.publicIp;
    this.availabilityZone = instance.availabilityZone;
    this.registerOutputs({
      instanceId: this.instanceId,
      publicIp: this.publicIp,
      availabilityZone: this.availabilityZone,
    });

    function lookupAmi(parent: GpuBox): pulumi.Input<string> {
      const parameter = args.amiId ? undefined : (args.amiParameterName ?? amiParameterName(undefined));
      if (!parameter) return args.amiId as string;
      return aws.ssm.getParameterOutput({ name: parameter }, { parent }).value;
    }

    function resolveSubnet(parent: GpuBox): pulumi.Input<string> | undefined {
      if (args.subnetId) return args.subnetId;
      if (!args.zone) return undefined;
      return aws.ec2.getSubnetOutput({ defaultForAz: true, availabilityZone: args.zone }, { parent }).id;
    }

    function createInstanceProfile(parent: GpuBox): aws.iam.InstanceProfile {
      const role = new aws.iam.Role(
        `${name}-role`,
        {
          assumeRolePolicy: JSON.stringify(EC2_ASSUME_ROLE),
          description: "i2v GPU box: SSM session, ECR pull, API token, TLS material",
          tags: args.tags,
        },
        { parent },
      );
      const policy = args.policy
        ? pulumi.output(args.policy).apply((document) => JSON.stringify(document))
        : pulumi
            .all([args.repositoryArn, args.tokenParameterArn, args.tlsParameterArns])
            .apply(([repositoryArn, tokenParameterArn, tlsParameterArns]) =>
              JSON.stringify(boxPolicy({ repositoryArn, tokenParameterArn, tlsParameterArns })),
            );
      new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy }, { parent });
      return new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: args.tags }, { parent });
    }

    function createInstance(
      parent: GpuBox,
      ami: pulumi.Input<string>,
      subnetId: pulumi.Input<string> | undefined,
      profile: aws.iam.InstanceProfile,
    ): aws.ec2.Instance {
      return new aws.ec2.Instance(
        `${name}-instance`,
        {
          ami,
          instanceType: args.instanceType,
          subnetId,
          vpcSecurityGroupIds: args.securityGroupIds,
          iamInstanceProfile: profile.name,
          // Gzipped: the rendered document is over EC2's 16 KB limit as text; cloud-init unpacks it.
          userDataBase64: pulumi.output(args.userData).apply(packUserData),
          // cloud-init runs once per instance: a changed boot document only takes effect on a new one.
          userDataReplaceOnChange: true,
          // IMDSv2 only, hop limit 1: the host reads its credentials; containers (one hop further) cannot.
          metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
          rootBlockDevice: {
            volumeType: "gp3",
            volumeSize: args.rootVolumeGiB ?? 150,
            throughput: args.rootThroughputMiBps ?? 250,
            iops: 3000,
            encrypted: true,
            deleteOnTermination: true,
            tags: withName(args.tags, `${name}-root`),
          },
          instanceMarketOptions:
            args.market === "spot"
              ? {
                  marketType: "spot",
                  spotOptions: { spotInstanceType: "one-time", instanceInterruptionBehavior: "terminate" },
                }
              : undefined,
          tags: withName(args.tags, name),
        },
        { parent },
      );
    }
  }
}

function normalizeArgs(args: GpuBoxArgs): void {
  if (args.requireGpu !== false && !isGpuInstanceType(args.instanceType)) {
    throw new Error(
      `i2v GpuBox: ${args.instanceType} is not an NVIDIA GPU instance type (g4dn, g5, g6, g6e, p4d, p5, ...)`,
    );
  }
}
