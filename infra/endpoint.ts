import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsParameterNames } from "./boot-spec.ts";
import type { GpuBox } from "./components/gpu-box.ts";
import { PublicEndpoint } from "./components/public-endpoint.ts";
import { ServerCertificate } from "./components/server-certificate.ts";
import { TlsParameters } from "./components/tls-parameters.ts";
import { ecrRepositoryArn } from "./decisions/iam.ts";
import { parseImageRef } from "./decisions/image-ref.ts";
import type { StackSettings } from "./settings.ts";
import type { StackOutputs } from "./stack-outputs.ts";
import { BOX } from "./user-data/spec.ts";

// What both shapes (single box, scale-out API box) share at the edge: HTTPS and the commands a user runs.

/** How clients reach the box: nothing (SSM tunnel), an Elastic IP, or a load balancer for `i2v:domain`. */
export interface Edge {
  /** The Elastic IP, when clients connect to the box directly. */
  address: aws.ec2.Eip | undefined;
  /** The ACM + ALB endpoint, when `i2v:domain` is set. */
  publicEndpoint: PublicEndpoint | undefined;
  /** The box's own ingress on the API port. */
  boxIngress: {
    allowedCidrs: string[];
    allowPublic: boolean;
    allowedSecurityGroupIds: pulumi.Input<string>[];
  };
}

/** The default VPC's default subnets (one per zone), or the one configured subnet. */
export function stackSubnetIds(
  settings: StackSettings,
  vpcId: pulumi.Input<string>,
): pulumi.Output<string[]> {
  if (settings.subnetId) return pulumi.output([settings.subnetId]);
  return aws.ec2.getSubnetsOutput({
    filters: [
      { name: "vpc-id", values: [vpcId] },
      { name: "default-for-az", values: ["true"] },
    ],
  }).ids;
}

/**
 * Decided before the box: the address must exist before the certificate names it, and the load
 * balancer's security group before the box's ingress admits it.
 */
export function edgeFor(
  settings: StackSettings,
  prefix: string,
  vpcId: pulumi.Input<string>,
  tags: Record<string, string>,
): Edge {
  if (settings.domain && settings.hostedZoneId) {
    const publicEndpoint = new PublicEndpoint(`${prefix}-edge`, {
      domain: settings.domain,
      hostedZoneId: settings.hostedZoneId,
      vpcId,
      subnetIds: stackSubnetIds(settings, vpcId),
      allowedCidrs: settings.allowedCidrs,
      allowPublic: settings.allowPublic,
      targetPort: BOX.port,
      tags,
    });
    return {
      address: undefined,
      publicEndpoint,
      boxIngress: {
        allowedCidrs: [],
        allowPublic: false,
        allowedSecurityGroupIds: [publicEndpoint.securityGroupId],
      },
    };
  }
  const direct = settings.allowedCidrs.length > 0 || settings.allowPublic;
  return {
    address: direct ? new aws.ec2.Eip(`${prefix}-address`, { domain: "vpc", tags }) : undefined,
    publicEndpoint: undefined,
    boxIngress: {
      allowedCidrs: settings.allowedCidrs,
      allowPublic: settings.allowPublic,
      allowedSecurityGroupIds: [],
    },
  };
}

/** Puts the box at its edge: the Elastic IP on it, or it behind the load balancer. */
export function attachEdge(edge: Edge, prefix: string, box: GpuBox): void {
  if (edge.address) {
    new aws.ec2.EipAssociation(`${prefix}-address-association`, {
      instanceId: box.instanceId,
      allocationId: edge.address.allocationId,
    });
  }
  edge.publicEndpoint?.attach(box.instanceId);
}

/**
 * HTTPS for an address: a private CA and a server certificate naming the public address (when there
 * is one) and 127.0.0.1/localhost (the boot's readiness check, an SSM tunnel), stored in SSM.
 */
export function serverTls(
  name: string,
  stack: string,
  publicAddress: pulumi.Output<string> | undefined,
  tags: Record<string, string>,
) {
  const names = tlsParameterNames(stack);
  const certificate = new ServerCertificate(name, {
    ipAddresses: publicAddress ? [publicAddress, "127.0.0.1"] : ["127.0.0.1"],
    dnsNames: ["localhost"],
  });
  const parameters = new TlsParameters(`${name}-parameters`, {
    names,
    certPem: certificate.certPem,
    caCertPem: certificate.caCertPem,
    privateKeyPem: certificate.privateKeyPem,
    tags,
  });
  return { names, certificate, parameters };
}

/** ECR permission for an image the user pushed to their own ECR repository elsewhere. */
export function externalRepositoryArn(imageUri: string | undefined): pulumi.Output<string | undefined> {
  const ecr = imageUri ? parseImageRef(imageUri).ecr : undefined;
  if (!ecr) return pulumi.output(undefined);
  return aws
    .getPartitionOutput()
    .partition.apply((partition) => ecrRepositoryArn(partition, ecr.region, ecr.accountId, ecr.repository));
}

/** Endpoint and the commands a user runs next; through an SSM tunnel when no CIDR may reach the box. */
export function reachability(
  settings: StackSettings,
  stack: string,
  box: GpuBox,
  edge: Edge,
  rest: Pick<
    StackOutputs,
    | "placement"
    | "candidates"
    | "imageUri"
    | "repositoryUrl"
    | "apiToken"
    | "tokenParameterName"
    | "caCertificate"
  >,
): StackOutputs {
  const publicAddress = edge.address?.publicIp;
  const endpointUrl = edge.publicEndpoint
    ? edge.publicEndpoint.url
    : publicAddress
      ? pulumi.interpolate`https://${publicAddress}:${BOX.port}`
      : pulumi.output(`https://127.0.0.1:${BOX.port}`);
  const region = settings.region;
  return {
    ...rest,
    endpointUrl,
    instanceId: box.instanceId,
    availabilityZone: box.availabilityZone,
    sessionCommand: pulumi.interpolate`aws ssm start-session --region ${region} --target ${box.instanceId}`,
    tunnelCommand: pulumi.interpolate`aws ssm start-session --region ${region} --target ${box.instanceId} --document-name AWS-StartPortForwardingSession --parameters portNumber=${BOX.port},localPortNumber=${BOX.port}`,
    bootLogCommand: pulumi.interpolate`aws ec2 get-console-output --region ${region} --instance-id ${box.instanceId} --latest --output text`,
    smokeCommand: smokeCommandFor(
      endpointUrl,
      stack,
      settings.requireToken,
      edge.publicEndpoint === undefined,
    ),
  };
}

/** Saves the CA output to a file, then runs the smoke client pinned to it (`eval "$(pulumi stack output smokeCommand)"`). */
export function smokeCommandFor(
  endpointUrl: pulumi.Output<string>,
  stack: string,
  requireToken: boolean,
  pinCa = true,
): pulumi.Output<string> {
  const caFile = `i2v-${stack}-ca.pem`;
  const tokenArg = requireToken ? ` --token "$(pulumi stack output apiToken --show-secrets)"` : "";
  // Behind ACM the chain is public: nothing to pin.
  if (!pinCa) return pulumi.interpolate`npm run smoke -- --url ${endpointUrl}${tokenArg}`;
  return pulumi.interpolate`pulumi stack output caCertificate > ${caFile} && npm run smoke -- --url ${endpointUrl} --ca ${caFile}${tokenArg}`;
}
