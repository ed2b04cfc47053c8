import type { StackSettings } from "../settings.ts";
import {
  type AlicloudBootFacts,
  alicloudBootSpec,
  archiveImageRef,
  archiveObject,
  imageTransport,
  ossInternalEndpoint,
} from "./boot-spec.ts";
import { physicalName } from "./names.ts";
import type { AlicloudBootSpec, AlicloudImageSource } from "./user-data/spec.ts";

/** Stand-ins for what only a deployed stack knows: ACR instance name, bucket, disk id, certificates. */
export const PLACEHOLDER = {
  acrName: "ACR-INSTANCE-NAME",
  bucket: "BUCKET-CREATED-BY-PULUMI-UP",
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
  const transport = imageOverride ? "registry" : imageTransport(settings);
  const image: AlicloudImageSource =
    transport === "acr"
      ? { from: "acr", instanceId: settings.acrInstanceId as string, host }
      : transport === "oss"
        ? {
            from: "oss",
            bucket: PLACEHOLDER.bucket,
            endpoint: ossInternalEndpoint(settings.region),
            object: archiveObject(settings.imageTag),
          }
        : { from: "registry" };
  const imageUri =
    imageOverride ??
    settings.imageUri ??
    (transport === "acr"
      ? `${host}/${physicalName(stack, "images")}/runtime:${settings.imageTag}`
      : archiveImageRef(settings.imageTag));
  const facts: AlicloudBootFacts = {
    imageUri,
    image,
    tokenParameterName: settings.requireToken ? physicalName(stack, "api-token") : undefined,
    tlsKeyParameterName: physicalName(stack, "tls-key"),
    tls: { certPem: PLACEHOLDER.pem, caPem: PLACEHOLDER.pem },
    diskSerial: PLACEHOLDER.diskSerial,
  };
  return alicloudBootSpec(settings, stack, facts);
}
