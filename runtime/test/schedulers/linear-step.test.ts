import { describe, expect, test } from "vitest";
import { createScheduler, type LinearStep, type SchedulerKind } from "../../src/pipeline/schedulers/index.ts";
import { dummyModel, dummySampleDeter } from "./fixtures.ts";

/** The latent update graph's arithmetic (pipeline/helper-graphs.ts), in float64 for comparison. */
function applyLinear(c: LinearStep, sample: Float32Array, output: Float32Array, history: Float32Array) {
  const next = new Float32Array(sample.length);
  const x0 = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) {
    const s = sample[i] as number;
    const m = output[i] as number;
    x0[i] = Math.min(Math.max(c.x0Sample * s + c.x0Output * m, -c.clip), c.clip);
    next[i] =
      c.prevX0 * (x0[i] as number) +
      c.prevSample * s +
      c.prevOutput * m +
      c.prevHistory * (history[i] as number);
  }
  return { next, x0 };
}

const CONFIGS: Array<[SchedulerKind, Record<string, unknown>, number]> = [
  ["ddim", { prediction_type: "epsilon" }, 10],
  ["ddim", { prediction_type: "v_prediction", clip_sample: true }, 25],
  ["ddim", { prediction_type: "sample", set_alpha_to_one: false }, 7],
  ["dpmpp-2m", {}, 10],
  [
    "dpmpp-2m",
    { prediction_type: "v_prediction", timestep_spacing: "trailing", rescale_betas_zero_snr: true },
    30,
  ],
  ["dpmpp-2m", { lower_order_final: false, final_sigmas_type: "sigma_min" }, 20],
];

describe("linearStep (the in-graph form of a step)", () => {
  test.each(CONFIGS)("%s %o, %i steps: a full loop equals step()", (kind, config, steps) => {
    const reference = createScheduler(kind, config, steps);
    const linear = createScheduler(kind, config, steps);
    let expected = dummySampleDeter();
    let sample = dummySampleDeter();
    let history = new Float32Array(sample.length);
    reference.timesteps.forEach((t, i) => {
      expected = reference.step(dummyModel(expected, t), i, expected);
      const { next, x0 } = applyLinear(linear.linearStep(i), sample, dummyModel(sample, t), history);
      sample = next;
      history = x0;
    });
    let worst = 0;
    for (let i = 0; i < sample.length; i++)
      worst = Math.max(worst, Math.abs((sample[i] as number) - (expected[i] as number)));
    expect(worst).toBeLessThan(1e-5);
  });

  test("DDIM with eta > 0 refuses a linear form", () => {
    const s = createScheduler("ddim", {}, 10, { eta: 1 });
    expect(() => s.linearStep(0)).toThrow(/eta/);
  });
});
