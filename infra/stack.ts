import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bootSpecFor, tlsParameterNames, tokenParameterName } from "./boot-spec.ts";
import { ApiToken } from "./components/api-token.ts";
import { GpuBox } from "./components/gpu-box.ts";
import { ImageRepository } from "./components/image-repository.ts";
import { ModelStorage } from "./components/model-storage.ts";
import { NetworkAccess } from "./components/network-access.ts";
import { ServerCertificate } from "./components/server-certificate.ts";
import { TlsParameters } from "./components/tls-parameters.ts";
import { formatPlacement } from "./decisions/capacity.ts";
import { ecrRepositoryArn } from "./decisions/iam.ts";
import { parseImageRef } from "./decisions/image-ref.ts";
import { stackTags } from "./decisions/tags.ts";
import { candidatesFor, currentPlacement, storagePlanFor } from "./plan.ts";
import { createScaleOutStack } from "./scale-out-stack.ts";
import type { StackSettings } from "./settings.ts";
import { renderUserData } from "./user-data/cloud-config.ts";
import { BOX } from "./user-data/spec.ts";

/** What `pulumi up` prints and `pulumi stack output` returns. */
export interface StackOutputs {
  endpointUrl: pulumi.Output<string>;
  instanceId: pulumi.Output<string>;
  availabilityZone: pulumi.Output<string>;
  placement: string;
  candidates: string[];
  imageUri: pulumi.Output<string>;
  repositoryUrl: pulumi.Output<string> | undefined;
  apiToken: pulumi.Output<string> | undefined;
  tokenParameterName: pulumi.Output<string> | undefined;
  sessionCommand: pulumi.Output<string>;
  tunnelCommand: pulumi.Output<string>;
  bootLogCommand: pulumi.Output<string>;
  smokeCommand: pulumi.Output<string>;
  /** The stack CA's certificate (PEM): what clients pin to trust the endpoint. */
  caCertificate: pulumi.Output<string>;
  /** Scale-out only: the workers' Auto Scaling group, the job bucket, the queue's endpoint. */
  workerGroupName?: pulumi.Output<string>;
  jobBucket?: pulumi.Output<string>;
  queueEndpoint?: pulumi.Output<string>;
}

/** Names the stack needs from Pulumi's context; passed in so tests can vary them. */
export interface StackContext {
  project: string;
  stack: string;
}

/**
 * The whole deployment, as a table of contents: decide the placement, then the image repository,
 * token, network access, the box, and its model storage. Every decision was made (and validated)
 * before the first resource is declared.
 */
export function createStack(settings: StackSettings, context: StackContext): StackOutputs {
  const tags = stackTags(context.project, context.stack, settings.tags);
  const prefix = "i2v";
  const candidates = candidatesFor(settings);
  const placement = currentPlacement(settings);
  const storagePlan = storagePlanFor(settings, placement.instanceType);

  const repository = settings.imageUri
    ? undefined
    : new ImageRepository(`${prefix}-images`, { forceDelete: settings.forceDeleteRepository, tags });
  const imageUri = repository
    ? pulumi.interpolate`${repository.repositoryUrl}:${settings.imageTag}`
    : pulumi.output(settings.imageUri as string);
  const token = settings.requireToken
    ? new ApiToken(`${prefix}-token`, { parameterName: tokenParameterName(context.stack), tags })
    : undefined;
  const vpcId = settings.subnetId
    ? aws.ec2.getSubnetOutput({ id: settings.subnetId }).vpcId
    : aws.ec2.getVpcOutput({ default: true }).id;
  if (settings.workers) {
    const shared = { tags, prefix, vpcId, imageUri, repository, token, candidates };
    return createScaleOutStack(settings, settings.workers, context, shared);
  }
  const direct = settings.allowedCidrs.length > 0 || settings.allowPublic;
  // The address is allocated first so the certificate can name it before the box exists.
  const address = direct ? new aws.ec2.Eip(`${prefix}-address`, { domain: "vpc", tags }) : undefined;
  const tls = serverTls(`${prefix}-tls`, context.stack, address?.publicIp, tags);
  const network = new NetworkAccess(`${prefix}-net`, {
    vpcId,
    port: BOX.port,
    allowedCidrs: settings.allowedCidrs,
    allowPublic: settings.allowPublic,
    tags,
  });

  const userData = pulumi.all([imageUri, token?.parameterName]).apply(([uri, parameterName]) =>
    renderUserData(
      bootSpecFor(settings, storagePlan, {
        imageUri: uri,
        tokenParameterName: parameterName,
        tls: tls.names,
      }),
    ),
  );

  const box = new GpuBox(`${prefix}-box`, {
    instanceType: placement.instanceType,
    zone: placement.zone,
    subnetId: settings.subnetId,
    securityGroupIds: [network.securityGroupId],
    userData,
    amiId: settings.amiId,
    market: settings.market,
    rootVolumeGiB: settings.rootVolumeGiB,
    repositoryArn: repository ? repository.arn : externalRepositoryArn(settings.imageUri),
    tokenParameterArn: token?.parameterArn,
    tlsParameterArns: tls.parameters.arns,
    tags,
  });
  if (address) {
    new aws.ec2.EipAssociation(`${prefix}-address-association`, {
      instanceId: box.instanceId,
      allocationId: address.allocationId,
    });
  }
  new ModelStorage(`${prefix}-models`, {
    plan: storagePlan,
    instanceId: box.instanceId,
    availabilityZone: box.availabilityZone,
    tags,
  });

  return reachability(settings, context.stack, box, address?.publicIp, {
    placement: formatPlacement(placement),
    candidates: candidates.map(formatPlacement),
    imageUri,
    repositoryUrl: repository?.repositoryUrl,
    apiToken: token?.value,
    tokenParameterName: token?.parameterName,
    caCertificate: tls.certificate.caCertPem,
  });
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
  publicAddress: pulumi.Output<string> | undefined,
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
  const endpointUrl = publicAddress
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
    smokeCommand: smokeCommandFor(endpointUrl, stack, settings.requireToken),
  };
}

/** Saves the CA output to a file, then runs the smoke client pinned to it (`eval "$(pulumi stack output smokeCommand)"`). */
export function smokeCommandFor(
  endpointUrl: pulumi.Output<string>,
  stack: string,
  requireToken: boolean,
): pulumi.Output<string> {
  const caFile = `i2v-${stack}-ca.pem`;
  const tokenArg = requireToken ? ` --token "$(pulumi stack output apiToken --show-secrets)"` : "";
  return pulumi.interpolate`pulumi stack output caCertificate > ${caFile} && npm run smoke -- --url ${endpointUrl} --ca ${caFile}${tokenArg}`;
}
