import { describe, expect, it } from "vitest";
import { createScheduler } from "../../src/pipeline/schedulers/index.ts";
import { roundHalfEven } from "../../src/pipeline/schedulers/numpy-compat.ts";

describe("DDIM timesteps", () => {
  it("leading + steps_offset=1, 5 steps (diffusers test_scheduler_ddim.py test_steps_offset)", () => {
    const s = createScheduler("ddim", { steps_offset: 1 }, 5);
    expect(s.timesteps).toEqual([801, 601, 401, 201, 1]);
  });

  it("leading + steps_offset=1, 50 steps (Stable Diffusion's config) runs 981 down to 1 by 20", () => {
    const s = createScheduler("ddim", { steps_offset: 1, beta_schedule: "scaled_linear" }, 50);
    expect(s.timesteps).toHaveLength(50);
    expect(s.timesteps[0]).toBe(981);
    expect(s.timesteps[49]).toBe(1);
    expect(s.timesteps[1]).toBe(961);
  });

  // Lin et al. 2023 ("Common Diffusion Noise Schedules and Sample Steps are Flawed"), Table 2,
  // 1000 training steps and 10 sampling steps, shifted from the paper's 1-based to 0-based timesteps.
  it("the three spacings match Table 2 of the zero-terminal-SNR paper", () => {
    const spaced = (timestep_spacing: string) =>
      [...createScheduler("ddim", { timestep_spacing }, 10).timesteps].reverse();
    expect(spaced("linspace")).toEqual([0, 111, 222, 333, 444, 555, 666, 777, 888, 999]);
    expect(spaced("leading")).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(spaced("trailing")).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899, 999]);
  });

  it("trailing with a step count that does not divide 1000 still ends at 999 and is strictly descending", () => {
    const t = createScheduler("ddim", { timestep_spacing: "trailing" }, 3).timesteps;
    // np.round(np.arange(1000, 0, -333.33)) - 1 = [999, 666, 332] (666.67 -> 667, 333.33 -> 333).
    expect(t).toEqual([999, 666, 332]);
  });
});

describe("DPM-Solver++ timesteps", () => {
  it("linspace (its default) spreads n+1 points over 0..999 and drops the last, rounding half to even", () => {
    // np.linspace(0, 999, 11) = 0, 99.9, ..., 499.5, ..., 999; 499.5 rounds to 500 only if not below it.
    const t = createScheduler("dpmpp-2m", {}, 10).timesteps;
    expect(t).toEqual([999, 899, 799, 699, 599, 500, 400, 300, 200, 100]);
  });

  it("leading uses last_timestep // (n + 1) and adds steps_offset", () => {
    const t = createScheduler("dpmpp-2m", { timestep_spacing: "leading", steps_offset: 1 }, 10).timesteps;
    // 1000 // 11 = 90: arange(11) * 90 reversed without the final 0.
    expect(t).toEqual([901, 811, 721, 631, 541, 451, 361, 271, 181, 91]);
  });

  it("trailing matches DDIM's trailing spacing", () => {
    const dpm = createScheduler("dpmpp-2m", { timestep_spacing: "trailing" }, 25).timesteps;
    const ddim = createScheduler("ddim", { timestep_spacing: "trailing" }, 25).timesteps;
    expect(dpm).toEqual(ddim);
    expect(dpm[0]).toBe(999);
    expect(dpm[24]).toBe(39);
  });
});

describe("roundHalfEven", () => {
  it("rounds ties to the even neighbour like np.round", () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001].map((x) => roundHalfEven(x) + 0)).toEqual([
      0, 2, 2, 0, -2, 2, 3,
    ]);
  });
});
