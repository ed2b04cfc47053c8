import { describe, expect, it } from "vitest";
import { normalizeSettings } from "../settings.ts";

describe("normalizeSettings", () => {
  it("applies the documented defaults", () => {
    const result = normalizeSettings({ region: "us-east-1" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings).toMatchObject({
      instanceType: "g6.xlarge",
      market: "on-demand",
      allowedCidrs: [],
      allowPublic: false,
      imageTag: "latest",
      weights: "baked",
      modelStorage: "auto",
      modelVolumeGiB: 200,
      modelVolumeThroughputMiBps: 500,
      requireToken: true,
      readyTimeoutMinutes: 20,
    });
    expect(result.warnings.join(" ")).toMatch(/SSM port-forwarding/);
  });

  it("reads structured values both as Pulumi's JSON text and as parsed YAML", () => {
    const fromPulumi = normalizeSettings({
      region: "eu-west-1",
      allowedCidrs: '["203.0.113.7/32"]',
      zones: '["eu-west-1a"]',
      allowPublic: "false",
      modelVolumeGiB: "300",
      runtimeEnv: '{"I2V_LOG":"debug"}',
    });
    const fromYaml = normalizeSettings({
      "aws:region": "eu-west-1",
      allowedCidrs: ["203.0.113.7/32"],
      zones: ["eu-west-1a"],
      allowPublic: false,
      modelVolumeGiB: 300,
      runtimeEnv: { I2V_LOG: "debug" },
    });
    expect(fromPulumi).toEqual(fromYaml);
    expect(fromPulumi.ok && fromPulumi.settings.runtimeEnv).toEqual({ I2V_LOG: "debug" });
  });

  it("lists every problem, each with its key", () => {
    const result = normalizeSettings({
      instanceType: "m7i.large",
      market: "cheap",
      modelVolumeGiB: "lots",
      allowedCidrs: ["0.0.0.0/0"],
      placement: "???",
      runtimeEnv: { I2V_TOKEN: "x", "bad name": "y" },
      weights: "not a ref",
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    for (const key of [
      "aws:region",
      "instanceType",
      "market",
      "modelVolumeGiB",
      "allowedCidrs[0]",
      "placement",
      "runtimeEnv",
      "weights",
    ]) {
      expect(
        errors.some((e) => e.startsWith(`${key}:`)),
        `${key} in ${errors.join(" | ")}`,
      ).toBe(true);
    }
    expect(errors.filter((e) => e.startsWith("runtimeEnv:"))).toHaveLength(2);
  });

  it("parses the placement the deploy driver sets", () => {
    const result = normalizeSettings({ region: "us-east-1", placement: "g5.xlarge@us-east-1c" });
    expect(result.ok && result.settings.placement).toEqual({ instanceType: "g5.xlarge", zone: "us-east-1c" });
  });
});
