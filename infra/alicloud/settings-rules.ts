import type { StackSettings } from "../settings.ts";

export { isAlicloudGpuType } from "./catalog.ts";

/** The "region missing" problem, naming the provider key of the stack's cloud. */
export function regionRequired(cloud: "aws" | "alicloud"): string {
  return cloud === "alicloud"
    ? "alicloud:region: required; set it with `pulumi config set alicloud:region cn-hangzhou`"
    : "aws:region: required; set it with `pulumi config set aws:region us-east-1`";
}

/**
 * What an `i2v:cloud: alicloud` stack must set beyond the common keys, and the AWS-only keys it
 * must not set. Every problem as `key: message` with what to do.
 */
export function alicloudSettingProblems(settings: StackSettings): string[] {
  const problems: string[] = [];
  if (settings.zones.length === 0)
    problems.push(
      "zones: required on alicloud (a vSwitch lives in one zone); e.g. `pulumi config set --path 'i2v:zones[0]' cn-hangzhou-i`",
    );
  for (const zone of settings.zones) {
    if (settings.region && !zone.startsWith(`${settings.region}-`))
      problems.push(
        `zones: ${zone} is not a zone of ${settings.region} (zones look like ${settings.region}-i)`,
      );
  }
  if (!settings.imageId)
    problems.push(
      "imageId: required on alicloud: an ECS image with the NVIDIA driver, Docker, the NVIDIA Container Toolkit and the aliyun CLI (docs/infra.md#alibaba-cloud)",
    );
  if (!settings.imageUri && !settings.acrInstanceId)
    problems.push(
      "acrInstanceId: set it to your ACR Enterprise Edition instance (cri-...), or set imageUri to an image the box can pull",
    );
  if (settings.allowedCidrs.length === 0 && !settings.allowPublic)
    problems.push(
      "allowedCidrs: required on alicloud (there is no port-forwarding session as on AWS); list your address as /32",
    );
  for (const key of ["subnetId", "amiId", "modelSnapshotId"] as const) {
    if (settings[key] !== undefined)
      problems.push(`${key}: an AWS setting; not used on alicloud (the image is i2v:imageId)`);
  }
  return problems;
}
