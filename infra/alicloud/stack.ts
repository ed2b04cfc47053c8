import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ServerCertificate } from "../components/server-certificate.ts";
import { formatPlacement } from "../decisions/capacity.ts";
import { stackTags } from "../decisions/tags.ts";
import type { StackSettings } from "../settings.ts";
import type { StackContext, StackOutputs } from "../stack.ts";
import { BOX } from "../user-data/spec.ts";
import {
  type AlicloudBootFacts,
  alicloudBootSpec,
  archiveImageRef,
  archiveObject,
  imageBucketName,
  imageTransport,
  ossInternalEndpoint,
} from "./boot-spec.ts";
import { AlicloudAccess } from "./components/access.ts";
import { BoxRole } from "./components/box-role.ts";
import { AlicloudGpuBox } from "./components/gpu-box.ts";
import { ImageBucket } from "./components/image-bucket.ts";
import { AlicloudNetwork } from "./components/network.ts";
import { PublicAddress } from "./components/public-address.ts";
import { AlicloudRegistry } from "./components/registry.ts";
import { AlicloudSecret } from "./components/secret-parameter.ts";
import { WeightsDisk } from "./components/weights-disk.ts";
import { physicalName } from "./names.ts";
import { alicloudCandidates, alicloudDiskPlan, alicloudPlacement } from "./placement.ts";
import { gpuImage } from "./public-image.ts";
import { renderAlicloudUserData } from "./user-data/cloud-config.ts";

/** The AWS outputs plus the private CA, the image the box runs, and how to push the runtime image. */
export interface AlicloudStackOutputs extends StackOutputs {
  caCertificate: pulumi.Output<string>;
  /** The GPU box's image: the public one found (pinned at first deploy) or i2v:imageId. */
  gpuImage: pulumi.Output<string>;
  /** One command that puts the runtime image where the box reads it (OSS archive, or ACR). */
  pushCommand: pulumi.Output<string>;
}

/**
 * The deployment on Alibaba Cloud, as a table of contents: placement and disk plan, network and
 * access, where the runtime image travels (the stack's OSS bucket by default, or ACR Enterprise, or
 * a plain URI), the elastic IP and the certificate for it, the secrets, the box's role, the weights
 * disk, and the box itself on a public Ubuntu image (or i2v:imageId). Same settings and outputs as
 * the AWS stack.
 */
export function createAlicloudStack(settings: StackSettings, context: StackContext): AlicloudStackOutputs {
  const tags = stackTags(context.project, context.stack, settings.tags);
  const placement = alicloudPlacement(settings);
  const zone = placement.zone as string;
  const diskPlan = alicloudDiskPlan(settings);

  const network = new AlicloudNetwork("i2v-net", { zone, tags });
  const access = new AlicloudAccess("i2v-access", {
    vpcId: network.vpcId,
    port: BOX.port,
    allowedCidrs: settings.allowedCidrs,
    allowPublic: settings.allowPublic,
    tags,
  });
  const account = alicloud.getAccountOutput();
  const transport = imageTransport(settings);
  const registry =
    transport === "acr"
      ? new AlicloudRegistry("i2v-images", {
          instanceId: settings.acrInstanceId as string,
          region: settings.region,
          namespace: physicalName(context.stack, "images"),
          vpcId: network.vpcId,
          vswitchId: network.vswitchId,
        })
      : undefined;
  const bucket =
    transport === "oss"
      ? new ImageBucket("i2v-image-archive", {
          bucketName: account.id.apply((id) => imageBucketName(context.stack, id)),
          object: archiveObject(settings.imageTag),
          tags,
        })
      : undefined;
  const imageUri = registry
    ? pulumi.interpolate`${registry.vpcRepositoryUrl}:${settings.imageTag}`
    : pulumi.output(settings.imageUri ?? archiveImageRef(settings.imageTag));

  const address = new PublicAddress("i2v-address", { tags });
  // 127.0.0.1 too, so the box's own readiness check verifies the certificate.
  const certificate = new ServerCertificate("i2v-tls", { ipAddresses: [address.ipAddress, "127.0.0.1"] });
  const tlsKey = new AlicloudSecret("i2v-tls-key", {
    parameterName: physicalName(context.stack, "tls-key"),
    value: certificate.privateKeyPem,
    description: "TLS private key of the i2v runtime (read by the box at boot)",
    tags,
  });
  const password = settings.requireToken
    ? new random.RandomPassword("i2v-token-password", { length: 40, special: false })
    : undefined;
  const token = password
    ? new AlicloudSecret("i2v-token", {
        parameterName: physicalName(context.stack, "api-token"),
        value: password.result,
        description: "Bearer token for the i2v runtime API (read by the box at boot)",
        tags,
      })
    : undefined;

  const roleName = physicalName(context.stack, "box");
  const role = new BoxRole("i2v-box-role", {
    roleName,
    grants: pulumi
      .all([account.id, token?.parameterName, tlsKey.parameterName, bucket?.bucket])
      .apply(([accountId, tokenName, tlsName, bucketName]) => ({
        region: settings.region,
        accountId,
        registry: registry
          ? {
              instanceId: settings.acrInstanceId as string,
              namespace: registry.namespace,
              repository: registry.repository,
            }
          : undefined,
        imageBucket: bucketName,
        secretParameters: [tokenName, tlsName].filter((n): n is string => Boolean(n)),
      })),
    tags,
  });

  const disk = new WeightsDisk("i2v-weights", { plan: diskPlan, zone, tags });
  const userData = pulumi
    .all([
      imageUri,
      registry?.vpcHost,
      bucket?.bucket,
      disk.diskId,
      token?.parameterName,
      tlsKey.parameterName,
      certificate.certPem,
      certificate.caCertPem,
    ])
    .apply(([uri, host, bucketName, diskId, tokenName, tlsName, certPem, caPem]) => {
      const facts: AlicloudBootFacts = {
        imageUri: uri,
        image:
          host !== undefined
            ? { from: "acr", instanceId: settings.acrInstanceId as string, host }
            : bucketName !== undefined
              ? {
                  from: "oss",
                  bucket: bucketName,
                  endpoint: ossInternalEndpoint(settings.region),
                  object: archiveObject(settings.imageTag),
                }
              : { from: "registry" },
        tokenParameterName: tokenName,
        tlsKeyParameterName: tlsName,
        tls: { certPem, caPem },
        diskSerial: diskId.replace(/^d-/, ""),
      };
      return renderAlicloudUserData(alicloudBootSpec(settings, context.stack, facts));
    });

  const image = gpuImage(settings.imageId, settings.region, network);
  const box = new AlicloudGpuBox("i2v-box", {
    instanceType: placement.instanceType,
    zone,
    vswitchId: network.vswitchId,
    securityGroupIds: [access.securityGroupId],
    imageId: image.imageId,
    pinLookedUpImage: image.lookedUp,
    userData,
    roleName: role.roleName,
    market: settings.market,
    systemDiskGiB: settings.rootVolumeGiB,
    tags,
  });
  disk.attachTo(box.instanceId);
  address.associate(box.instanceId);

  const endpointUrl = pulumi.interpolate`https://${address.ipAddress}:${BOX.port}`;
  const region = settings.region;
  const tokenArg = settings.requireToken ? ` --token "$(pulumi stack output apiToken --show-secrets)"` : "";
  return {
    endpointUrl,
    instanceId: box.instanceId,
    availabilityZone: box.availabilityZone,
    placement: formatPlacement(placement),
    candidates: alicloudCandidates(settings).map(formatPlacement),
    imageUri,
    repositoryUrl: registry?.repositoryUrl,
    apiToken: password ? pulumi.secret(password.result) : undefined,
    tokenParameterName: token?.parameterName,
    caCertificate: certificate.caCertPem,
    gpuImage: image.lookedUp
      ? pulumi.interpolate`${box.imageId} (public Ubuntu image, pinned in state at first deploy; newest now: ${image.description})`
      : pulumi.output(image.description),
    pushCommand: bucket
      ? pulumi.interpolate`npm run push-image -- --archive i2v-runtime.tar.gz --to oss://${bucket.bucket}/${bucket.object} --region ${settings.region}   (after: npm run bake-image -- --offline i2v-runtime.tar.gz ...)`
      : registry
        ? pulumi.interpolate`docker push ${registry.repositoryUrl}:${settings.imageTag}   (after: docker login ${registry.repositoryUrl})`
        : pulumi.output(`nothing to push: the box pulls ${settings.imageUri}`),
    sessionCommand: pulumi.interpolate`echo "ECS console > Instances > ${box.instanceId} > Connect (Workbench); no SSH port is open"`,
    tunnelCommand: pulumi.output(
      "echo 'no tunnel on alicloud: the API answers over HTTPS to allowedCidrs only'",
    ),
    bootLogCommand: pulumi.interpolate`aliyun ecs GetInstanceConsoleOutput --RegionId ${region} --InstanceId ${box.instanceId} | python3 -c 'import base64, json, sys; print(base64.b64decode(json.load(sys.stdin)["ConsoleOutput"]).decode())'`,
    smokeCommand: pulumi.interpolate`pulumi stack output caCertificate > i2v-ca.pem && npm run smoke -- --url ${endpointUrl} --ca i2v-ca.pem${tokenArg}`,
  };
}
