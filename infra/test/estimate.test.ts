import { describe, expect, it } from "vitest";
import { INSTANCE_TYPES } from "../catalog/instance-types.ts";
import { planModelStorage } from "../decisions/storage.ts";
import { estimateFirstVideo, totalRange } from "../estimate/first-video.ts";
import { estimateHourlyCost } from "../estimate/hourly-cost.ts";
import { loadPriceTable } from "../estimate/prices.ts";

const prices = loadPriceTable();

describe("price table", () => {
  it("says when and where its prices come from, and that they were not checked here", () => {
    expect(prices.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(prices.source).toMatch(/list prices/i);
    expect(prices.verifiedHere).toBe(false);
  });

  it("prices every type in the catalog", () => {
    for (const type of Object.keys(INSTANCE_TYPES))
      expect(prices.onDemandPerHour[type], type).toBeGreaterThan(0);
  });
});

describe("estimateHourlyCost", () => {
  const storage = planModelStorage({
    instanceType: "p3.2xlarge",
    volumeGiB: 200,
    throughputMiBps: 500,
    iops: 6000,
    snapshotId: undefined,
    initializationRateMiBps: undefined,
    preferEbs: false,
  });

  it("adds instance and gp3 storage, billing only throughput and IOPS above the free baseline", () => {
    const cost = estimateHourlyCost(
      {
        instanceType: "p3.2xlarge",
        market: "on-demand",
        rootVolumeGiB: 150,
        rootThroughputMiBps: 125,
        storage,
      },
      prices,
    );
    // root 150 GiB x 0.08; model 200 GiB x 0.08 + 375 MiB/s x 0.04 + 3000 IOPS x 0.005; per 730 h.
    const expectedStorage = (150 * 0.08 + 200 * 0.08 + 375 * 0.04 + 3000 * 0.005) / 730;
    expect(cost.instance).toBe(3.06);
    expect(cost.storage).toBeCloseTo(expectedStorage, 6);
    expect(cost.total).toBeCloseTo(3.06 + expectedStorage, 6);
    expect(cost.spotGuess).toBe(false);
  });

  it("marks spot as a guess and leaves unknown types unpriced", () => {
    const base = { rootVolumeGiB: 150, rootThroughputMiBps: 250, storage } as const;
    const spot = estimateHourlyCost({ ...base, instanceType: "p3.2xlarge", market: "spot" }, prices);
    expect(spot.spotGuess).toBe(true);
    expect(spot.instance).toBeCloseTo(3.06 * prices.spotFactorGuess, 6);
    const unknown = estimateHourlyCost({ ...base, instanceType: "g6.48xlarge", market: "on-demand" }, prices);
    expect(unknown.instance).toBeUndefined();
    expect(unknown.total).toBeUndefined();
  });
});

describe("estimateFirstVideo", () => {
  const input = {
    imageGB: 8,
    weightsGB: 12,
    snapshotInitRateMiBps: 300,
    generationSeconds: [60, 240] as [number, number],
  };

  it("puts baked weights into the pull, fetched weights into their own stage", () => {
    const baked = estimateFirstVideo({ ...input, weights: "baked" });
    expect(baked.map((s) => s.stage)).toEqual([
      "launch and boot (EC2 + DLAMI)",
      "image pull (20 GB)",
      "model load and warm-up",
      "first generation",
    ]);
    const fetched = estimateFirstVideo({ ...input, weights: "fetch" });
    expect(fetched.map((s) => s.stage)).toContain("weights download (12 GB)");
    expect(fetched[1]?.stage).toBe("image pull (8 GB)");
  });

  it("gives ranges whose low end is below the high end, totalled", () => {
    for (const weights of ["baked", "fetch", "snapshot"] as const) {
      const stages = estimateFirstVideo({ ...input, weights });
      for (const s of stages) expect(s.lowSeconds, s.stage).toBeLessThanOrEqual(s.highSeconds);
      const total = totalRange(stages);
      expect(total.lowSeconds).toBeGreaterThan(60);
      expect(total.highSeconds).toBeLessThan(3600);
    }
  });

  it("image pull time follows the research's 60-150 MB/s", () => {
    const [, pull] = estimateFirstVideo({ ...input, weights: "fetch" });
    expect(pull?.lowSeconds).toBeCloseTo(8e9 / 150e6, 6);
    expect(pull?.highSeconds).toBeCloseTo(8e9 / 60e6, 6);
  });
});
