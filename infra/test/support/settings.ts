import { normalizeSettings, type RawConfig, type StackSettings } from "../../settings.ts";

/** Valid settings for tests: defaults plus `overrides` (raw keys, as in a stack file). */
export function testSettings(overrides: RawConfig = {}): StackSettings {
  const result = normalizeSettings({ region: "us-east-1", allowedCidrs: ["203.0.113.7/32"], ...overrides });
  if (!result.ok) throw new Error(`test settings invalid: ${result.errors.join("; ")}`);
  return result.settings;
}
