import { normalizeSettings, type RawConfig, type StackSettings } from "../../settings.ts";

/**
 * Valid alicloud settings for tests: the minimal stack (no image, no registry: the public image and
 * the OSS archive) plus `overrides`. {@link CUSTOM_IMAGE_WITH_ACR} adds the other variant's keys.
 */
export function alicloudTestSettings(overrides: RawConfig = {}): StackSettings {
  const result = normalizeSettings({
    cloud: "alicloud",
    region: "cn-hangzhou",
    instanceType: "ecs.gn7i-c8g1.2xlarge",
    zones: ["cn-hangzhou-i", "cn-hangzhou-j"],
    allowedCidrs: ["203.0.113.7/32"],
    ...overrides,
  });
  if (!result.ok) throw new Error(`alicloud test settings invalid: ${result.errors.join("; ")}`);
  return result.settings;
}

/** A custom GPU image and an ACR Enterprise instance: the variant with nothing installed at boot. */
export const CUSTOM_IMAGE_WITH_ACR = {
  imageId: "m-bp1pinnedgpuimage",
  acrInstanceId: "cri-mockinstance",
} as const;
