/** The flow schedulers' configs and contract, without Python (numbers: flow-diffusers.test.ts). */
import { describe, expect, it } from "vitest";
import { fillNormal } from "../../src/pipeline/random.ts";
import { createScheduler, parseSchedulerConfig } from "../../src/pipeline/schedulers/index.ts";

describe("flow scheduler configs", () => {
  it("UniPC takes Wan's published config and fills diffusers' defaults", () => {
    const r = parseSchedulerConfig("unipc", {
      _class_name: "UniPCMultistepScheduler",
      flow_shift: 5.0,
      prediction_type: "flow_prediction",
      use_flow_sigmas: true,
      solver_p: null,
      timestep_spacing: "linspace",
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      flow_shift: 5,
      solver_order: 2,
      solver_type: "bh2",
      lower_order_final: true,
    });
  });

  it("UniPC refuses what it does not implement, each problem by field", () => {
    const r = parseSchedulerConfig("unipc", {
      prediction_type: "epsilon",
      use_flow_sigmas: false,
      solver_order: 3,
      use_dynamic_shifting: true,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "prediction_type",
      "solver_order",
      "use_dynamic_shifting",
      "use_flow_sigmas",
    ]);
  });

  it("bh1 with a final sigma of zero is refused: diffusers' own last step is NaN there", () => {
    expect(() => createScheduler("unipc", { solver_type: "bh1" }, 4)).toThrow(
      /bh1 with final_sigmas_type "zero"/,
    );
    expect(() =>
      createScheduler("unipc", { solver_type: "bh1", final_sigmas_type: "sigma_min" }, 4),
    ).not.toThrow();
  });

  it("Euler's timesteps are continuous and start at num_train_timesteps", () => {
    const s = createScheduler("flow-match-euler", { shift: 5 }, 4);
    expect(s.timesteps[0]).toBe(1000);
    expect(s.timesteps.every((t, i) => i === 0 || t < (s.timesteps[i - 1] as number))).toBe(true);
  });

  it("Euler's linearStep gives its step; UniPC's says to call step()", () => {
    const s = createScheduler("flow-match-euler", { shift: 3 }, 6);
    const sample = fillNormal(new Float32Array(64), 1);
    const out = fillNormal(new Float32Array(64), 2);
    const c = s.linearStep(2);
    const expected = sample.map((x, i) => c.prevSample * x + c.prevOutput * (out[i] as number));
    s.step(out, 2, sample);
    for (let i = 0; i < 64; i++) expect(sample[i]).toBeCloseTo(expected[i] as number, 6);
    expect(() => createScheduler("unipc", {}, 6).linearStep(0)).toThrow(/call scheduler.step\(\)/);
  });
});
