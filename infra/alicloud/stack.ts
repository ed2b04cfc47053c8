import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ServerCertificate } from "../components/server-certificate.ts";
import { formatPlacement } from "../decisions/capacity.ts";
import { stackTags } from "../decisions/tags.ts";
import type { StackSettings } from "../settings.ts";
import type { StackContext, StackOutputs } from "../stack.ts";
import { BOX } from "../user-data/spec.ts";
import { AlicloudAccess } from "./components/access.ts";
import { BoxRole } from "./components/box-role.ts";
import { AlicloudGpuBox } from "./components/gpu-box.ts";
import { AlicloudNetwork } from "./components/network.ts";
import { PublicAddress } from "./components/public-address.ts";
import { AlicloudRegistry } from "./components/registry.ts";
import { AlicloudSecret } from "./components/secret-parameter.ts";
import { WeightsDisk } from "./components/weights-disk.ts";
import { bootMirror } from "./mirror-choice.ts";
import { physicalName } from "./names.ts";
import { alicloudCandidates, alicloudDiskPlan, alicloudPlacement } from "./placement.ts";
import { renderAlicloudUserData } from "./user-data/cloud-config.ts";
import { weightsSources } from "./weights-sources.ts";

/** The AWS outputs plus the private CA that signed the box's HTTPS certificate. */
export interface AlicloudStackOutputs extends StackOutputs {
  caCertificate: pulumi.Output<string>;
}

/**
 * The deployment on Alibaba Cloud, as a table of contents: placement and disk plan, network and
 * access, the image repository, the elastic IP and the certificate for it, the secrets, the box's
 * role, the weights disk, and the box itself. Same settings and outputs as the AWS stack.
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
  const registry = settings.imageUri
    ? undefined
    : new AlicloudRegistry("i2v-images", {
        instanceId: settings.acrInstanceId as string,
        region: settings.region,
        namespace: physicalName(context.stack, "images"),
        vpcId: network.vpcId,
        vswitchId: network.vswitchId,
      });
  const imageUri = registry
    ? pulumi.interpolate`${registry.vpcRepositoryUrl}:${settings.imageTag}`
    : pulumi.output(settings.imageUri as string);

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
  const account = alicloud.getAccountOutput();
  const role = new BoxRole("i2v-box-role", {
    roleName,
    grants: pulumi
      .all([account.id, token?.parameterName, tlsKey.parameterName])
      .apply(([accountId, tokenName, tlsName]) => ({
        region: settings.region,
        accountId,
        registry: registry
          ? {
              instanceId: settings.acrInstanceId as string,
              namespace: registry.namespace,
              repository: registry.repository,
            }
          : undefined,
        secretParameters: [tokenName, tlsName].filter((n): n is string => Boolean(n)),
      })),
    tags,
  });

  const disk = new WeightsDisk("i2v-weights", { plan: diskPlan, zone, tags });
  const mirror = bootMirror();
  const userData = pulumi
    .all([
      imageUri,
      registry?.vpcHost,
      disk.diskId,
      token?.parameterName,
      tlsKey.parameterName,
      certificate.certPem,
      certificate.caCertPem,
    ])
    .apply(([uri, host, diskId, tokenName, tlsName, certPem, caPem]) =>
      renderAlicloudUserData({
        region: settings.region,
        imageUri: uri,
        registry: host ? { instanceId: settings.acrInstanceId as string, host } : undefined,
        roleName,
        tokenParameterName: tokenName,
        tlsKeyParameterName: tlsName,
        tls: { certPem, caPem },
        diskSerial: diskId.replace(/^d-/, ""),
        weightsSources: weightsSources(settings.weights, settings.mirror),
        aptMirror: { ubuntu: mirror.ubuntu },
        runtimeEnv: settings.runtimeEnv,
        readyTimeoutSeconds: settings.readyTimeoutMinutes * 60,
      }),
    );

  const box = new AlicloudGpuBox("i2v-box", {
    instanceType: placement.instanceType,
    zone,
    vswitchId: network.vswitchId,
    securityGroupIds: [access.securityGroupId],
    imageId: settings.imageId as string,
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
    sessionCommand: pulumi.interpolate`echo "ECS console > Instances > ${box.instanceId} > Connect (Workbench); no SSH port is open"`,
    tunnelCommand: pulumi.output(
      "echo 'no tunnel on alicloud: the API answers over HTTPS to allowedCidrs only'",
    ),
    bootLogCommand: pulumi.interpolate`aliyun ecs GetInstanceConsoleOutput --RegionId ${region} --InstanceId ${box.instanceId} | python3 -c 'import base64, json, sys; print(base64.b64decode(json.load(sys.stdin)["ConsoleOutput"]).decode())'`,
    smokeCommand: pulumi.interpolate`pulumi stack output caCertificate > i2v-ca.pem && npm run smoke -- --url ${endpointUrl} --ca i2v-ca.pem${tokenArg}`,
  };
}
