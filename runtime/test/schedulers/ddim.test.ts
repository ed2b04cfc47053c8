/**
 * Full DDIM loops against the numbers diffusers asserts in tests/schedulers/test_scheduler_ddim.py
 * (DDIMSchedulerTest), run on the same deterministic sample and dummy model.
 */
import { describe, expect, it } from "vitest";
import { createScheduler, type DdimScheduler, ddimVariance } from "../../src/pipeline/schedulers/index.ts";
import { absStats, dummyModel, dummyNoiseDeter, dummySampleDeter } from "./fixtures.ts";

/** DDIMSchedulerTest.get_scheduler_config. */
const baseConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  clip_sample: true,
};

/** DDIMSchedulerTest.full_loop: 10 steps, eta 0. */
function fullLoop(overrides: Record<string, unknown> = {}): Float32Array {
  const scheduler = createScheduler("ddim", { ...baseConfig, ...overrides }, 10);
  const sample = dummySampleDeter();
  scheduler.timesteps.forEach((t, i) => {
    scheduler.step(dummyModel(sample, t), i, sample);
  });
  return sample;
}

describe("DDIM full loop (diffusers test_scheduler_ddim.py)", () => {
  it("test_full_loop_no_noise: sum 172.0067, mean 0.223967", () => {
    const { sum, mean } = absStats(fullLoop());
    expect(Math.abs(sum - 172.0067)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.223967)).toBeLessThan(1e-3);
  });

  it("test_full_loop_with_v_prediction: sum 52.5302, mean 0.0684", () => {
    const { sum, mean } = absStats(fullLoop({ prediction_type: "v_prediction" }));
    expect(Math.abs(sum - 52.5302)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.0684)).toBeLessThan(1e-3);
  });

  it("test_full_loop_with_set_alpha_to_one: sum 149.8295, mean 0.1951", () => {
    const { sum, mean } = absStats(fullLoop({ set_alpha_to_one: true, beta_start: 0.01 }));
    expect(Math.abs(sum - 149.8295)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.1951)).toBeLessThan(1e-3);
  });

  it("test_full_loop_with_no_set_alpha_to_one: sum 149.0784, mean 0.1941", () => {
    const { sum, mean } = absStats(fullLoop({ set_alpha_to_one: false, beta_start: 0.01 }));
    expect(Math.abs(sum - 149.0784)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.1941)).toBeLessThan(1e-3);
  });

  it("test_full_loop_with_noise (add_noise, start at step 8): sum 354.5418, mean 0.4616", () => {
    const scheduler = createScheduler("ddim", baseConfig, 10);
    const start = 8;
    const sample = scheduler.addNoise(dummySampleDeter(), dummyNoiseDeter(), start, new Float32Array(768));
    for (let i = start; i < scheduler.timesteps.length; i++) {
      scheduler.step(dummyModel(sample, scheduler.timesteps[i] as number), i, sample);
    }
    const { sum, mean } = absStats(sample);
    expect(Math.abs(sum - 354.5418)).toBeLessThan(1e-2);
    expect(Math.abs(mean - 0.4616)).toBeLessThan(1e-3);
  });
});

describe("DDIM variance (diffusers test_variance)", () => {
  it("matches _get_variance at the asserted timestep pairs", () => {
    const s = createScheduler("ddim", baseConfig, 50) as DdimScheduler;
    const v = (t: number, prev: number) => ddimVariance(s.alphasCumprod, s.finalAlphaCumprod, t, prev);
    expect(Math.abs(v(0, 0) - 0.0)).toBeLessThan(1e-5);
    expect(Math.abs(v(420, 400) - 0.14771)).toBeLessThan(1e-5);
    expect(Math.abs(v(980, 960) - 0.3246)).toBeLessThan(1e-5);
    expect(Math.abs(v(487, 486) - 0.00979)).toBeLessThan(1e-5);
    expect(Math.abs(v(999, 998) - 0.02)).toBeLessThan(1e-5);
  });
});

describe("DDIM step mechanics", () => {
  it("writes into the sample it is given and returns that same array", () => {
    const s = createScheduler("ddim", baseConfig, 10);
    const sample = dummySampleDeter();
    const before = Float32Array.from(sample);
    const out = s.step(dummyModel(sample, 900), 0, sample);
    expect(out).toBe(sample);
    expect(out).not.toEqual(before);
  });

  it("eta > 0 adds std * noise on top of the deterministic update", () => {
    const config = { ...baseConfig, clip_sample: false };
    const det = createScheduler("ddim", config, 10) as DdimScheduler;
    const stochastic = createScheduler("ddim", config, 10, { eta: 1 }) as DdimScheduler;
    const a = dummySampleDeter();
    const b = dummySampleDeter();
    const noise = new Float32Array(a.length).fill(1);
    const i = 3;
    const t = det.timesteps[i] as number;
    const prev = t - 100;
    det.step(dummyModel(a, t), i, a);
    stochastic.step(dummyModel(b, t), i, b, noise);
    // With eta = 1 the direction term shrinks and std = sqrt(variance) is added, so the two differ by
    // exactly sqrt(1-ac_prev-var)*eps + std - sqrt(1-ac_prev)*eps, per element.
    const acPrev = det.alphasCumprod[prev] as number;
    const variance = ddimVariance(det.alphasCumprod, det.finalAlphaCumprod, t, prev);
    const x = dummySampleDeter();
    const eps = dummyModel(x, t);
    for (let k = 0; k < a.length; k += 97) {
      const e = eps[k] as number;
      const expected =
        (a[k] as number) +
        (Math.sqrt(1 - acPrev - variance) - Math.sqrt(1 - acPrev)) * e +
        Math.sqrt(variance);
      expect(b[k]).toBeCloseTo(expected, 5);
    }
    expect(() => stochastic.step(dummyModel(b, t), i, b)).toThrow(/noise/);
  });
});
