import { describe, expect, it } from "vitest";
import {
  createScheduler,
  parseSchedulerConfig,
  SchedulerConfigError,
} from "../../src/pipeline/schedulers/index.ts";

/** A Stable Diffusion 1.x scheduler_config.json as diffusers writes it (another class, extra keys). */
const sdConfig = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

describe("parseSchedulerConfig", () => {
  it("accepts a real diffusers config, ignoring keys it does not read", () => {
    const r = parseSchedulerConfig("ddim", sdConfig);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      beta_schedule: "scaled_linear",
      steps_offset: 1,
      set_alpha_to_one: false,
    });
    expect(r.config).not.toHaveProperty("_class_name");
    expect(r.config).not.toHaveProperty("skip_prk_steps");
  });

  it("fills each class's own diffusers defaults", () => {
    const ddim = parseSchedulerConfig("ddim", {});
    const dpm = parseSchedulerConfig("dpmpp-2m", {});
    expect(ddim.ok && dpm.ok).toBe(true);
    if (!ddim.ok || !dpm.ok) return;
    expect(ddim.config).toMatchObject({
      num_train_timesteps: 1000,
      beta_start: 0.0001,
      beta_end: 0.02,
      beta_schedule: "linear",
      clip_sample: true,
      clip_sample_range: 1,
      set_alpha_to_one: true,
      steps_offset: 0,
      prediction_type: "epsilon",
      timestep_spacing: "leading",
      rescale_betas_zero_snr: false,
    });
    expect(dpm.config).toMatchObject({
      solver_order: 2,
      algorithm_type: "dpmsolver++",
      solver_type: "midpoint",
      lower_order_final: true,
      final_sigmas_type: "zero",
      timestep_spacing: "linspace",
      lambda_min_clipped: Number.NEGATIVE_INFINITY,
    });
  });

  it("reports every problem with its path", () => {
    const r = parseSchedulerConfig("ddim", {
      num_train_timesteps: -5,
      beta_schedule: "cosine",
      prediction_type: "flow",
      thresholding: true,
      clip_sample: "yes",
      trained_betas: [0.1, 2],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.split(":")[0]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "num_train_timesteps",
        "beta_schedule",
        "prediction_type",
        "thresholding",
        "clip_sample",
        "trained_betas[1]",
      ]),
    );
    expect(r.problems.find((p) => p.startsWith("thresholding:"))).toMatch(/not supported.*false/);
  });

  it("rejects DPM-Solver options it does not implement, each with a message that says what to set", () => {
    const r = parseSchedulerConfig("dpmpp-2m", {
      use_karras_sigmas: true,
      solver_order: 3,
      algorithm_type: "sde-dpmsolver++",
      variance_type: "learned_range",
      final_sigmas_type: "max",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^use_karras_sigmas: .*set it to false/),
        expect.stringMatching(/^solver_order: .*use 2/),
        expect.stringMatching(/^algorithm_type: .*dpmsolver\+\+/),
        expect.stringMatching(/^variance_type: /),
        expect.stringMatching(/^final_sigmas_type: /),
      ]),
    );
  });

  it("checks trained_betas against num_train_timesteps, and a config that is not an object", () => {
    const r = parseSchedulerConfig("dpmpp-2m", { num_train_timesteps: 10, trained_betas: [0.1, 0.2, 0.3] });
    expect(r).toEqual({ ok: false, problems: ["trained_betas: has 3 values but num_train_timesteps is 10"] });
    const s = parseSchedulerConfig("ddim", "scaled_linear");
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.problems[0]).toMatch(/^\(root\): /);
  });

  it("maps names diffusers maps when switching classes (deis, bh2)", () => {
    const r = parseSchedulerConfig("dpmpp-2m", { algorithm_type: "deis", solver_type: "bh2" });
    expect(r.ok && r.config.algorithm_type === "dpmsolver++" && r.config.solver_type === "midpoint").toBe(
      true,
    );
  });
});

describe("createScheduler", () => {
  it("throws SchedulerConfigError carrying the problems and a hint", () => {
    let error: unknown;
    try {
      createScheduler("dpmpp-2m", { beta_schedule: "cosine", use_karras_sigmas: true }, 20);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchedulerConfigError);
    const e = error as SchedulerConfigError;
    expect(e.problems).toHaveLength(2);
    expect(e.hint).toMatch(/scheduler_config\.json/);
    expect(e.message).toMatch(/beta_schedule/);
  });

  it("refuses step counts diffusers refuses, and offsets that leave the training range", () => {
    expect(() => createScheduler("ddim", {}, 0)).toThrow(SchedulerConfigError);
    expect(() => createScheduler("ddim", {}, 1001)).toThrow(/more than num_train_timesteps/);
    expect(() => createScheduler("ddim", { steps_offset: 200 }, 5)).toThrow(/steps_offset/);
    expect(createScheduler("ddim", {}, 1000).timesteps).toHaveLength(1000);
  });
});
