import * as pulumi from "@pulumi/pulumi";
import { normalizeSettings, type RawConfig, SETTING_KEYS, type StackSettings } from "./settings.ts";

/**
 * Reads `i2v:*` and `aws:region` (or `alicloud:region` for `i2v:cloud: alicloud`) from the stack config. Invalid settings stop the program before
 * any resource is declared, with every problem listed (not just the first).
 */
export function readStackSettings(): StackSettings {
  const config = new pulumi.Config("i2v");
  const raw: RawConfig = Object.fromEntries(SETTING_KEYS.map((key) => [key, config.get(key)]));
  raw.region =
    raw.cloud === "alicloud"
      ? (new pulumi.Config("alicloud").get("region") ?? process.env.ALICLOUD_REGION)
      : (new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION);
  const result = normalizeSettings(raw);
  if (!result.ok) {
    throw new pulumi.RunError(
      `invalid stack config:\n  ${result.errors.join("\n  ")}\nSee docs/infra.md for every key.`,
    );
  }
  for (const warning of result.warnings) pulumi.log.warn(warning);
  return result.settings;
}
