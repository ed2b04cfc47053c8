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

describe("normalizeSettings: scale-out keys", () => {
  it("leaves workers unset (the single box) and defaults the scale-out keys", () => {
    const result = normalizeSettings({ region: "us-east-1" });
    expect(result.ok && result.settings).toMatchObject({
      workers: undefined,
      metricsNamespace: "i2v",
      resultsExpireDays: 7,
      queueNodeType: "cache.t4g.small",
      apiInstanceType: "t3.small",
    });
  });

  it("reads i2v:workers from JSON text or YAML, with defaults for the optional fields", () => {
    const fromPulumi = normalizeSettings({
      region: "us-east-1",
      workers: '{"min":"0","max":"4","targetBacklogPerWorker":"2"}',
    });
    const fromYaml = normalizeSettings({
      region: "us-east-1",
      workers: { min: 0, max: 4, targetBacklogPerWorker: 2 },
    });
    expect(fromPulumi).toEqual(fromYaml);
    expect(fromYaml.ok && fromYaml.settings.workers).toEqual({
      min: 0,
      max: 4,
      targetBacklogPerWorker: 2,
      spot: false,
      onDemandBase: 0,
      warmPool: 0,
      drainTimeoutSeconds: 600,
    });
  });

  it("reports workers problems by path", () => {
    const result = normalizeSettings({
      region: "us-east-1",
      workers: { min: 5, max: 2, targetBacklogPerWorker: 0, warmPool: "lots", surge: 1 },
    });
    const errors = result.ok ? [] : result.errors;
    for (const prefix of ["workers.targetBacklogPerWorker:", "workers.warmPool:", "workers:"])
      expect(
        errors.some((e) => e.startsWith(prefix)),
        `${prefix} in ${errors.join(" | ")}`,
      ).toBe(true);
    expect(errors.join(" ")).toMatch(/Unrecognized key.*surge/);
    const order = normalizeSettings({
      region: "us-east-1",
      workers: { min: 5, max: 2, targetBacklogPerWorker: 1 },
    });
    expect(order.ok ? [] : order.errors).toEqual(["workers.min: min must not exceed max"]);
  });

  it("names the index of a bad fallback type", () => {
    const result = normalizeSettings({ region: "us-east-1", fallbackInstanceTypes: ["g5.xlarge", "t3.big"] });
    expect(result.ok ? [] : result.errors).toEqual([
      "fallbackInstanceTypes[1]: t3.big is not an NVIDIA GPU type (g4dn, g5, g6, g6e, p4d, p5, ...)",
    ]);
  });
});

describe("settings declared once", () => {
  it("reads exactly the schema's keys, and converts the ready timeout to seconds once", async () => {
    const { SETTINGS_SHAPE } = await import("../settings-shape.ts");
    const { SETTING_KEYS, normalizeSettings: normalize } = await import("../settings.ts");
    expect([...SETTING_KEYS].sort()).toEqual(
      Object.keys(SETTINGS_SHAPE)
        .filter((k) => !["region", "aws:region", "alicloud:region"].includes(k))
        .sort(),
    );
    const result = normalize({ region: "us-east-1", readyTimeoutMinutes: "7" });
    expect(result.ok && [result.settings.readyTimeoutMinutes, result.settings.readyTimeoutSeconds]).toEqual([
      7, 420,
    ]);
  });

  it("names every cross-field rule, each in the one list", async () => {
    const { SETTING_RULES } = await import("../settings-rules.ts");
    const names = SETTING_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        "no example placeholders",
        "instance types from the catalog (typos get the near match)",
      ]),
    );
  });
});
