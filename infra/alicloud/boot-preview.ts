import type { StackSettings } from "../settings.ts";
import { bootMirror } from "./mirror-choice.ts";
import { physicalName } from "./names.ts";
import type { AlicloudBootSpec } from "./user-data/spec.ts";
import { weightsSources } from "./weights-sources.ts";

/** Stand-ins for what only a deployed stack knows: ACR instance name, disk id, certificates. */
export const PLACEHOLDER = {
  acrName: "ACR-INSTANCE-NAME",
  diskSerial: "DISK-ID-WITHOUT-d-",
  pem: "-----BEGIN CERTIFICATE-----\n(issued by pulumi up)\n-----END CERTIFICATE-----\n",
} as const;

/** The Alibaba boot spec as it will be, for `npm run user-data` without Alibaba access. */
export function previewAlicloudSpec(
  settings: StackSettings,
  stack: string,
  imageOverride?: string,
): AlicloudBootSpec {
  const host = `${PLACEHOLDER.acrName}-registry-vpc.${settings.region}.cr.aliyuncs.com`;
  const imageUri =
    imageOverride ??
    settings.imageUri ??
    `${host}/${physicalName(stack, "images")}/runtime:${settings.imageTag}`;
  const fromAcr = !settings.imageUri && !imageOverride;
  return {
    region: settings.region,
    imageUri,
    registry: fromAcr ? { instanceId: settings.acrInstanceId as string, host } : undefined,
    roleName: physicalName(stack, "box"),
    tokenParameterName: settings.requireToken ? physicalName(stack, "api-token") : undefined,
    tlsKeyParameterName: physicalName(stack, "tls-key"),
    tls: { certPem: PLACEHOLDER.pem, caPem: PLACEHOLDER.pem },
    diskSerial: PLACEHOLDER.diskSerial,
    weightsSources: weightsSources(settings.weights, settings.mirror),
    aptMirror: { ubuntu: bootMirror().ubuntu },
    runtimeEnv: settings.runtimeEnv,
    readyTimeoutSeconds: settings.readyTimeoutMinutes * 60,
  };
}
