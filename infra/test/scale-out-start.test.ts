import { describe, expect, it } from "vitest";
import { buildDeployPlan, formatDeployPlan } from "../estimate/deploy-plan.ts";
import { loadPriceTable } from "../estimate/prices.ts";
import { estimateScaleOutStart } from "../estimate/scale-out-start.ts";
import { testSettings } from "./support/settings.ts";

const input = {
  imageGB: 8,
  weightsGB: 12,
  weights: "baked" as const,
  snapshotInitRateMiBps: 300,
  generationSeconds: [60, 300] as [number, number],
  warmPool: true,
  alarmPeriodSeconds: 60,
};

describe("backlog to first job", () => {
  it("breaks the time down into metric, alarm, start, image, weights and first job", () => {
    const { detection, paths } = estimateScaleOutStart({ ...input, weights: "fetch" });
    expect(detection.map((s) => s.stage)).toEqual([
      "metric published",
      "wake alarm (1 x 60 s period)",
      "Auto Scaling acts",
    ]);
    const cold = paths[0]?.stages.map((s) => s.stage) ?? [];
    expect(cold).toEqual([
      "launch and boot (EC2 + DLAMI)",
      "image pull (8 GB)",
      "weights download (12 GB)",
      "model load and warm-up",
      "first job (generation)",
    ]);
    for (const path of paths) {
      for (const s of path.stages) expect(s.basis.length, s.stage).toBeGreaterThan(10);
      expect(path.toFirstVideo.lowSeconds).toBeGreaterThan(path.toFirstJob.lowSeconds);
    }
  });

  it("adds up: the image pull is bytes over the registry rate, the total the sum of the stages", () => {
    const { detection, paths } = estimateScaleOutStart(input);
    const cold = paths[0];
    const pull = cold?.stages.find((s) => s.stage.startsWith("image pull"));
    // Baked: image plus weights through the registry, 20 GB at 150 and at 60 MB/s.
    expect(pull?.lowSeconds).toBeCloseTo(20e9 / 150e6, 5);
    expect(pull?.highSeconds).toBeCloseTo(20e9 / 60e6, 5);
    const withoutJob = [...detection, ...(cold?.stages.slice(0, -1) ?? [])];
    expect(cold?.toFirstJob.highSeconds).toBeCloseTo(
      withoutJob.reduce((t, s) => t + s.highSeconds, 0),
      5,
    );
  });

  it("has a worker-start path under two minutes at its low end and the cold pull far above it", () => {
    const { detection, paths } = estimateScaleOutStart(input);
    const detect = detection.reduce((t, s) => t + s.lowSeconds, 0);
    const start = (name: string) => {
      const path = paths.find((p) => p.name.startsWith(name));
      return (path?.toFirstJob.lowSeconds ?? Number.NaN) - detect;
    };
    expect(start("warm pool")).toBeLessThan(120);
    expect(start("prebaked AMI")).toBeLessThan(120);
    expect(start("cold launch")).toBeGreaterThan(120);
    expect(paths.find((p) => p.configured)?.name).toMatch(/^warm pool/);
  });
});

describe("deploy-plan with i2v:workers", () => {
  it("prints the breakdown next to the single box's time to first video", () => {
    const settings = testSettings({ workers: { min: 0, max: 4, targetBacklogPerWorker: 2 } });
    const plan = buildDeployPlan(settings, loadPriceTable(), {
      imageGB: 8,
      weightsGB: 12,
      generationSeconds: [60, 300],
    });
    expect(plan.scaleOut?.paths).toHaveLength(3);
    const text = formatDeployPlan(plan);
    expect(text).toContain("Backlog to first job on a new worker");
    expect(text).toContain("single box today, pulumi up to first video");
    expect(
      buildDeployPlan(testSettings(), loadPriceTable(), {
        imageGB: 8,
        weightsGB: 12,
        generationSeconds: [60, 300],
      }).scaleOut,
    ).toBeUndefined();
  });
});

describe("deploy-plan names the GPU driver minimum", () => {
  it("prints the image's minimum (runtime/src/gpu/cuda-requirements.ts) and who provides it", () => {
    const assumptions = { imageGB: 8, weightsGB: 12, generationSeconds: [60, 300] as [number, number] };
    const plan = buildDeployPlan(testSettings(), loadPriceTable(), assumptions);
    expect(plan.driver).toMatch(/^NVIDIA driver >= 580 .*CUDA 13.*DLAMI/);
    expect(formatDeployPlan(plan)).toContain("GPU driver: NVIDIA driver >= 580");
    const pinned = buildDeployPlan(testSettings({ amiId: "ami-0123" }), loadPriceTable(), assumptions);
    expect(pinned.driver).toContain("i2v:amiId ami-0123 must carry it");
  });
});
