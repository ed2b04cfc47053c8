import type { StackSettings } from "../settings.ts";
import { bootMirror } from "./mirror-choice.ts";
import { physicalName } from "./names.ts";
import type { AlicloudBootSpec, AlicloudImageSource } from "./user-data/spec.ts";
import { weightsSources } from "./weights-sources.ts";

/** How the image travels: a plain URI, the stack's ACR repository, or (by default) the OSS archive. */
export function imageTransport(settings: StackSettings): AlicloudImageSource["from"] {
  if (settings.imageUri) return "registry";
  return settings.acrInstanceId ? "acr" : "oss";
}

/** The local tag an archive is loaded under on the box (what the container runs). */
export function archiveImageRef(imageTag: string): string {
  return `i2v-local/runtime:${imageTag}`;
}

/** The archive's key in the image bucket; its manifest is `<key>.manifest.json`. */
export function archiveObject(imageTag: string): string {
  return `images/runtime-${imageTag.replace(/[^A-Za-z0-9._-]/g, "-")}.tar.gz`;
}

/** OSS's internal (in-region, no public traffic) endpoint. */
export function ossInternalEndpoint(region: string): string {
  return `oss-${region}-internal.aliyuncs.com`;
}

/** The image bucket's name: per stack and account, so it is unique without a random part. */
export function imageBucketName(stack: string, accountId: string): string {
  return `${physicalName(stack, "img").slice(0, 40)}-${accountId}`.replace(/-+/g, "-");
}

/** The values only a deployed stack knows (or stand-ins for them in `npm run user-data`). */
export interface AlicloudBootFacts {
  imageUri: string;
  image: AlicloudImageSource;
  tokenParameterName: string | undefined;
  tlsKeyParameterName: string | undefined;
  tls: { certPem: string; caPem: string } | undefined;
  diskSerial: string;
}

/** Stack settings plus deploy-time facts -> the box's boot; the program and `npm run user-data` both use it. */
export function alicloudBootSpec(
  settings: StackSettings,
  stack: string,
  facts: AlicloudBootFacts,
): AlicloudBootSpec {
  return {
    region: settings.region,
    ...facts,
    hostSetup: settings.imageId ? "check" : "install",
    roleName: physicalName(stack, "box"),
    weightsSources: weightsSources(settings.weights, settings.mirror),
    aptMirror: { ubuntu: bootMirror().ubuntu },
    runtimeEnv: settings.runtimeEnv,
    readyTimeoutSeconds: settings.readyTimeoutSeconds,
  };
}
