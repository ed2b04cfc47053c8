import { isGpuInstanceType as isAwsGpuType } from "../decisions/gpu-family.ts";
import type { StackSettings } from "../settings.ts";
import { isAlicloudGpuType } from "./catalog.ts";

export { isAlicloudGpuType };

/** Cloud-dependent defaults, applied to the raw config before the schema reads it. */
export function withCloudDefaults(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || (raw as { cloud?: unknown }).cloud !== "alicloud") return raw;
  const unset = (v: unknown) => v === undefined || v === null || v === "";
  const r = raw as Record<string, unknown>;
  return {
    ...r,
    instanceType: unset(r.instanceType) ? "ecs.gn7i-c8g1.2xlarge" : r.instanceType,
    // 200 MiB/s reads 12 GB of weights in about a minute, on a PL1 ESSD (see essd.ts).
    modelVolumeThroughputMiBps: unset(r.modelVolumeThroughputMiBps) ? 200 : r.modelVolumeThroughputMiBps,
  };
}

/**
 * Each cloud's types only (the schema accepts a GPU type of either), then what an alicloud stack
 * needs on top.
 */
export function cloudSettingProblems(settings: StackSettings): string[] {
  const other = settings.cloud === "alicloud" ? isAwsGpuType : isAlicloudGpuType;
  const types = [settings.instanceType, ...settings.fallbackInstanceTypes];
  if (settings.placement) types.push(settings.placement.instanceType);
  const problems = [...new Set(types)]
    .filter((type) => other(type))
    .map(
      (type) =>
        `instanceType: ${type} is a type of the other cloud; this stack's i2v:cloud is ${settings.cloud}`,
    );
  return settings.cloud === "alicloud" ? [...problems, ...alicloudSettingProblems(settings)] : problems;
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
  if (settings.allowedCidrs.length === 0 && !settings.allowPublic)
    problems.push(
      "allowedCidrs: required on alicloud (there is no port-forwarding session as on AWS); list your address as /32",
    );
  for (const key of ["subnetId", "amiId", "modelSnapshotId"] as const) {
    if (settings[key] !== undefined)
      problems.push(
        `${key}: an AWS setting; not used on alicloud (the box's image is a public Ubuntu image, or i2v:imageId)`,
      );
  }
  return problems;
}
