import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";

/** Arguments for {@link AlicloudRegistry}. */
export interface AlicloudRegistryArgs {
  /** The ACR Enterprise Edition instance (`cri-...`), created once per account in the console. */
  instanceId: string;
  region: string;
  /** Namespace in the instance. */
  namespace: string;
  /** Repository name. @default "runtime" */
  repository?: string;
  /** The stack's VPC and vSwitch, linked to the instance's VPC endpoint. */
  vpcId: pulumi.Input<string>;
  vswitchId: pulumi.Input<string>;
}

/**
 * A private ACR repository in the account's ACR Enterprise instance, and the stack's VPC linked
 * to that instance's VPC endpoint, so the box pulls in-region over the VPC (no Docker Hub, no
 * public traffic). Namespace and repository resources carry no tags in the provider.
 */
export class AlicloudRegistry extends pulumi.ComponentResource {
  /** Where to push from outside: `<instance>-registry.<region>.cr.aliyuncs.com/<ns>/<repo>`. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** Where the box pulls from: the `-registry-vpc` host of the same repository. */
  public readonly vpcRepositoryUrl: pulumi.Output<string>;
  /** The VPC registry host the box logs in to. */
  public readonly vpcHost: pulumi.Output<string>;
  public readonly namespace: string;
  public readonly repository: string;

  constructor(name: string, args: AlicloudRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:Registry", name, {}, opts);
    const repository = args.repository ?? "runtime";
    const namespace = new alicloud.cs.RegistryEnterpriseNamespace(
      `${name}-namespace`,
      { instanceId: args.instanceId, name: args.namespace, autoCreate: false, defaultVisibility: "PRIVATE" },
      { parent: this },
    );
    const repo = new alicloud.cs.RegistryEnterpriseRepo(
      `${name}-repo`,
      {
        instanceId: args.instanceId,
        namespace: namespace.name,
        name: repository,
        summary: "i2v runtime image",
        repoType: "PRIVATE",
      },
      { parent: this },
    );
    new alicloud.cr.VpcEndpointLinkedVpc(
      `${name}-vpc-link`,
      {
        instanceId: args.instanceId,
        moduleName: "Registry",
        vpcId: args.vpcId,
        vswitchId: args.vswitchId,
        // A PrivateZone record, so the -registry-vpc host resolves inside the stack's VPC.
        enableCreateDnsRecordInPvzt: true,
      },
      { parent: this },
    );
    // ACR EE domains: <instance name>-registry[-vpc].<region>.cr.aliyuncs.com (ACR "access domains").
    const instanceName = alicloud.cs
      .getRegistryEnterpriseInstancesOutput({ ids: [args.instanceId] }, { parent: this })
      .instances.apply((found) => {
        const first = found[0];
        if (!first) throw new Error(`ACR instance ${args.instanceId} not found in ${args.region}`);
        return first.name;
      });
    this.namespace = args.namespace;
    this.repository = repository;
    this.vpcHost = pulumi.interpolate`${instanceName}-registry-vpc.${args.region}.cr.aliyuncs.com`;
    this.repositoryUrl = pulumi.interpolate`${instanceName}-registry.${args.region}.cr.aliyuncs.com/${namespace.name}/${repo.name}`;
    this.vpcRepositoryUrl = pulumi.interpolate`${this.vpcHost}/${namespace.name}/${repo.name}`;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, vpcRepositoryUrl: this.vpcRepositoryUrl });
  }
}
