/**
 * alphas_cumprod checked against closed forms computed here in float64 and against a published value,
 * never against numbers taken from this code.
 */
import { describe, expect, it } from "vitest";
import { makeAlphasCumprod } from "../../src/pipeline/schedulers/index.ts";

const base = { num_train_timesteps: 1000, trained_betas: null, rescale_betas_zero_snr: false } as const;

describe("alphas_cumprod", () => {
  it("scaled_linear (Stable Diffusion's 0.00085..0.012) has sqrt(alpha_bar_T) = 0.068265 (Lin et al. 2023, sec. 3.1)", () => {
    const ac = makeAlphasCumprod({
      ...base,
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: "scaled_linear",
    });
    expect(Math.abs(Math.sqrt(ac[999] as number) - 0.068265)).toBeLessThan(2e-6);
  });

  it("scaled_linear follows prod(1 - (sqrt(b0) + i * step)^2) at spot indices", () => {
    const ac = makeAlphasCumprod({
      ...base,
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: "scaled_linear",
    });
    const lo = Math.sqrt(0.00085);
    const hi = Math.sqrt(0.012);
    let prod = 1;
    for (let i = 0; i < 1000; i++) {
      prod *= 1 - (lo + ((hi - lo) * i) / 999) ** 2;
      if (i === 0 || i === 250 || i === 500 || i === 999) {
        expect(Math.abs((ac[i] as number) / prod - 1)).toBeLessThan(2e-6);
      }
    }
    expect(ac[0]).toBeCloseTo(1 - 0.00085, 7);
  });

  it("squaredcos_cap_v2 telescopes to f((t+1)/T) / f(0), f(x) = cos^2((x + 0.008) / 1.008 * pi/2), with beta capped at 0.999", () => {
    const ac = makeAlphasCumprod({
      ...base,
      beta_start: 0.0001,
      beta_end: 0.02,
      beta_schedule: "squaredcos_cap_v2",
    });
    const f = (x: number) => Math.cos(((x + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 100, 500, 900, 998]) {
      expect(Math.abs((ac[t] as number) - f((t + 1) / 1000) / f(0))).toBeLessThan(1e-6);
    }
    // The last beta would be 1 (f(1) = 0): capped at 0.999.
    expect(Math.abs((ac[999] as number) - (ac[998] as number) * 0.001)).toBeLessThan(1e-9);
  });

  it("linear starts at 1 - beta_start", () => {
    const ac = makeAlphasCumprod({ ...base, beta_start: 0.0001, beta_end: 0.02, beta_schedule: "linear" });
    expect(ac[0]).toBeCloseTo(0.9999, 7);
  });

  it("rescale_betas_zero_snr: final alpha_cumprod is 0, the first is kept, sqrt(alpha_bar) is shifted and scaled", () => {
    const cfg = { ...base, beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear" } as const;
    const before = makeAlphasCumprod(cfg);
    const after = makeAlphasCumprod({ ...cfg, rescale_betas_zero_snr: true });
    expect(after[999]).toBe(0);
    expect(Math.abs((after[0] as number) - (before[0] as number))).toBeLessThan(1e-6);
    // Algorithm 1: sqrt(ab') = (sqrt(ab) - sqrt(ab_T)) * sqrt(ab_0) / (sqrt(ab_0) - sqrt(ab_T)).
    const s0 = Math.sqrt(before[0] as number);
    const sT = Math.sqrt(before[999] as number);
    for (const t of [1, 300, 600, 900, 998]) {
      const expected = (((Math.sqrt(before[t] as number) - sT) * s0) / (s0 - sT)) ** 2;
      expect(Math.abs((after[t] as number) - expected)).toBeLessThan(1e-5);
    }
  });

  it("trained_betas are used as given", () => {
    const ac = makeAlphasCumprod({
      ...base,
      num_train_timesteps: 3,
      beta_start: 0.0001,
      beta_end: 0.02,
      beta_schedule: "linear",
      trained_betas: [0.5, 0.5, 0.5],
    });
    expect([...ac]).toEqual([0.5, 0.25, 0.125]);
  });
});
