import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ApiToken } from "./components/api-token.ts";
import { GpuBox } from "./components/gpu-box.ts";
import type { ImageRepository } from "./components/image-repository.ts";
import { JobQueue } from "./components/job-queue.ts";
import { JobStorage } from "./components/job-storage.ts";
import { NetworkAccess } from "./components/network-access.ts";
import { WorkerGroup } from "./components/worker-group.ts";
import { CPU_AMI_PARAMETER } from "./decisions/ami.ts";
import { formatPlacement, type PlacementCandidate } from "./decisions/capacity.ts";
import { apiPolicy } from "./decisions/iam.ts";
import { workerGroupName } from "./decisions/scaling.ts";
import type { StoragePlan } from "./decisions/storage.ts";
import type { Tags } from "./decisions/tags.ts";
import { externalRepositoryArn, reachability, serverTls } from "./endpoint.ts";
import {
  queueUrlParameterName,
  type ScaleOutRole,
  scaleOutBootSpec,
  workerTypesAndStorage,
} from "./scale-out-boot.ts";
import type { StackSettings } from "./settings.ts";
import type { StackContext, StackOutputs } from "./stack-outputs.ts";
import { renderUserData } from "./user-data/cloud-config.ts";
import { BOX } from "./user-data/spec.ts";
import type { WorkersSettings } from "./workers-schema.ts";

/** What the single-box and scale-out shapes share, made once by createStack. */
export interface SharedParts {
  tags: Tags;
  prefix: string;
  vpcId: pulumi.Output<string>;
  imageUri: pulumi.Output<string>;
  repository: ImageRepository | undefined;
  token: ApiToken | undefined;
  candidates: PlacementCandidate[];
}

/**
 * `i2v:workers` set: an API box (small on-demand CPU instance, HTTPS, no model), GPU workers in an
 * Auto Scaling group, ElastiCache for Valkey as the BullMQ queue, an S3 bucket for inputs and
 * results. The same image and boot script run both roles; `I2V_ROLE` tells them apart.
 */
export function createScaleOutStack(
  settings: StackSettings,
  workers: WorkersSettings,
  context: StackContext,
  shared: SharedParts,
): StackOutputs {
  const { tags, prefix, vpcId, imageUri, repository, token } = shared;
  const stack = context.stack;
  const subnetIds = settings.subnetId
    ? pulumi.output([settings.subnetId])
    : aws.ec2.getSubnetsOutput({
        filters: [
          { name: "vpc-id", values: [vpcId] },
          { name: "default-for-az", values: ["true"] },
        ],
      }).ids;
  const apiNetwork = new NetworkAccess(`${prefix}-api-net`, {
    vpcId,
    port: BOX.port,
    allowedCidrs: settings.allowedCidrs,
    allowPublic: settings.allowPublic,
    tags,
  });
  // Workers take no inbound traffic at all: they pull jobs from the queue.
  const workerNetwork = new NetworkAccess(`${prefix}-worker-net`, { vpcId, port: BOX.port, tags });
  const queue = new JobQueue(`${prefix}-queue`, {
    vpcId,
    subnetIds,
    clientSecurityGroupIds: [apiNetwork.securityGroupId, workerNetwork.securityGroupId],
    nodeType: settings.queueNodeType,
    urlParameterName: queueUrlParameterName(stack),
    highAvailability: settings.subnetId === undefined,
    tags,
  });
  const storage = new JobStorage(`${prefix}-jobs`, {
    expireDays: settings.resultsExpireDays,
    forceDestroy: settings.forceDeleteRepository,
    tags,
  });
  const repositoryArn = repository ? repository.arn : externalRepositoryArn(settings.imageUri);
  const permissions = pulumi
    .all([repositoryArn, token?.parameterArn, queue.urlParameterArn, storage.bucketArn])
    .apply(([repoArn, tokenArn, queueUrlArn, bucketArn]) => ({
      repositoryArn: repoArn,
      tokenParameterArn: tokenArn,
      queueUrlParameterArn: queueUrlArn,
      bucketArn,
      prefix: storage.prefix,
    }));
  const userDataFor = (role: ScaleOutRole, plan: StoragePlan) =>
    pulumi.all([imageUri, token?.parameterName, storage.storageUrl]).apply(([uri, tokenName, storageUrl]) =>
      renderUserData(
        scaleOutBootSpec(settings, workers, role, plan, {
          stack,
          imageUri: uri,
          tokenParameterName: tokenName,
          storageUrl,
        }),
      ),
    );

  // API box: HTTPS on an Elastic IP as for the single box.
  const direct = settings.allowedCidrs.length > 0 || settings.allowPublic;
  const address = direct ? new aws.ec2.Eip(`${prefix}-address`, { domain: "vpc", tags }) : undefined;
  const tls = serverTls(`${prefix}-tls`, stack, address?.publicIp, tags);
  const apiStorage: StoragePlan = { kind: "instance-store", devices: 0, sizeGB: 0 }; // unused by the api role
  const api = new GpuBox(`${prefix}-api`, {
    instanceType: settings.apiInstanceType,
    requireGpu: false,
    amiParameterName: CPU_AMI_PARAMETER,
    subnetId: settings.subnetId,
    securityGroupIds: [apiNetwork.securityGroupId],
    userData: userDataFor("api", apiStorage),
    rootVolumeGiB: settings.rootVolumeGiB,
    policy: pulumi
      .all([permissions, tls.parameters.arns])
      .apply(([p, tlsArns]) =>
        apiPolicy({ ...p, tlsParameterArns: tlsArns, metricsNamespace: settings.metricsNamespace }),
      ),
    tags,
  });
  if (address) {
    new aws.ec2.EipAssociation(`${prefix}-address-association`, {
      instanceId: api.instanceId,
      allocationId: address.allocationId,
    });
  }

  // Workers: every fallback type; EBS for the weights as soon as one type lacks instance store.
  const types = [...new Set(shared.candidates.map((c) => c.instanceType))];
  const workerStorage = workerTypesAndStorage(settings, types);
  const groupName = workerGroupName(stack);
  const group = new WorkerGroup(`${prefix}-workers`, {
    groupName,
    instanceTypes: types,
    workers,
    subnetIds,
    securityGroupIds: [workerNetwork.securityGroupId],
    userData: userDataFor("worker", workerStorage),
    storage: workerStorage,
    amiId: settings.amiId,
    rootVolumeGiB: settings.rootVolumeGiB,
    metricsNamespace: settings.metricsNamespace,
    stack,
    permissions,
    tags,
  });

  return {
    ...reachability(settings, stack, api, address?.publicIp, {
      placement: `api ${settings.apiInstanceType}; workers ${types.join(", ")} (${workers.min}-${workers.max})`,
      candidates: types.map((instanceType) => formatPlacement({ instanceType, zone: undefined })),
      imageUri,
      repositoryUrl: repository?.repositoryUrl,
      apiToken: token?.value,
      tokenParameterName: token?.parameterName,
      caCertificate: tls.certificate.caCertPem,
    }),
    workerGroupName: group.groupName,
    jobBucket: storage.bucketName,
    queueEndpoint: queue.endpoint,
  };
}
