import { normalizeSettings, type RawConfig, type StackSettings } from "../../settings.ts";

/** Valid alicloud settings for tests: the example stack's shape plus `overrides`. */
export function alicloudTestSettings(overrides: RawConfig = {}): StackSettings {
  const result = normalizeSettings({
    cloud: "alicloud",
    region: "cn-hangzhou",
    instanceType: "ecs.gn7i-c8g1.2xlarge",
    zones: ["cn-hangzhou-i", "cn-hangzhou-j"],
    allowedCidrs: ["203.0.113.7/32"],
    imageId: "m-bp1pinnedgpuimage",
    acrInstanceId: "cri-mockinstance",
    ...overrides,
  });
  if (!result.ok) throw new Error(`alicloud test settings invalid: ${result.errors.join("; ")}`);
  return result.settings;
}
