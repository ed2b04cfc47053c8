import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bootSpecFor, tokenParameterName } from "./boot-spec.ts";
import { ApiToken } from "./components/api-token.ts";
import { GpuBox } from "./components/gpu-box.ts";
import { ImageRepository } from "./components/image-repository.ts";
import { ModelStorage } from "./components/model-storage.ts";
import { NetworkAccess } from "./components/network-access.ts";
import { formatPlacement } from "./decisions/capacity.ts";
import { stackTags } from "./decisions/tags.ts";
import { externalRepositoryArn, reachability, serverTls } from "./endpoint.ts";
import { candidatesFor, currentPlacement, storagePlanFor } from "./plan.ts";
import { createScaleOutStack } from "./scale-out-stack.ts";
import type { StackSettings } from "./settings.ts";
import type { StackContext, StackOutputs } from "./stack-outputs.ts";
import { renderUserData } from "./user-data/cloud-config.ts";
import { BOX } from "./user-data/spec.ts";

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

export type { StackContext, StackOutputs } from "./stack-outputs.ts";
