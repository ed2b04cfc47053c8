/**
 * UniPC (flow sigmas) and flow-matching Euler against diffusers 0.42.1 itself (the Wan exporter
 * environment): timesteps, sigmas, and the sample after every step of full loops on random
 * tensors, with a model output that depends on the sample so every step feeds the next.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fillNormal } from "../../src/pipeline/random.ts";
import { createScheduler, type FlowSchedulerKind } from "../../src/pipeline/schedulers/index.ts";
import { tempDir } from "../support/demo.ts";
import { wanPython } from "../support/wan-python.ts";

const python = await wanPython();
const SCRIPT = path.join(import.meta.dirname, "support", "flow_reference.py");

/** Wan-AI/Wan2.1-I2V-14B-480P-Diffusers' scheduler/scheduler_config.json, as published. */
const WAN_480P = {
  _class_name: "UniPCMultistepScheduler",
  _diffusers_version: "0.33.0.dev0",
  beta_end: 0.02,
  beta_schedule: "linear",
  beta_start: 0.0001,
  disable_corrector: [],
  dynamic_thresholding_ratio: 0.995,
  final_sigmas_type: "zero",
  flow_shift: 3.0,
  lower_order_final: true,
  num_train_timesteps: 1000,
  predict_x0: true,
  prediction_type: "flow_prediction",
  rescale_betas_zero_snr: false,
  sample_max_value: 1.0,
  solver_order: 2,
  solver_p: null,
  solver_type: "bh2",
  steps_offset: 0,
  thresholding: false,
  timestep_spacing: "linspace",
  trained_betas: null,
  use_beta_sigmas: false,
  use_exponential_sigmas: false,
  use_flow_sigmas: true,
  use_karras_sigmas: false,
};

interface Case {
  name: string;
  class: FlowSchedulerKind;
  config: Record<string, unknown>;
  steps: number;
}

const LENGTH = 2 * 16 * 3 * 4; // a [1, 16, 2*3, 4, 4]-sized latent, small enough to trace every step

const CASES: Case[] = [
  { name: "Wan 2.1 480p (flow_shift 3), 40 steps", class: "unipc", config: WAN_480P, steps: 40 },
  {
    name: "720p / 2.2 (flow_shift 5), 12 steps",
    class: "unipc",
    config: { ...WAN_480P, flow_shift: 5 },
    steps: 12,
  },
  {
    name: "order 1, bh1 (sigma_min end)",
    class: "unipc",
    config: { ...WAN_480P, solver_order: 1, solver_type: "bh1", final_sigmas_type: "sigma_min" },
    steps: 7,
  },
  {
    name: "order 2, bh1 (sigma_min end)",
    class: "unipc",
    config: { ...WAN_480P, solver_type: "bh1", final_sigmas_type: "sigma_min" },
    steps: 8,
  },
  {
    name: "no lower-order final, sigma_min end, corrector off at 0 and 2",
    class: "unipc",
    config: {
      ...WAN_480P,
      lower_order_final: false,
      final_sigmas_type: "sigma_min",
      disable_corrector: [0, 2],
    },
    steps: 9,
  },
  { name: "shift_terminal 0.05", class: "unipc", config: { ...WAN_480P, shift_terminal: 0.05 }, steps: 6 },
  { name: "one step", class: "unipc", config: WAN_480P, steps: 1 },
  {
    name: "Euler, shift 5, 4 steps (step-distilled)",
    class: "flow-match-euler",
    config: { _class_name: "FlowMatchEulerDiscreteScheduler", num_train_timesteps: 1000, shift: 5.0 },
    steps: 4,
  },
  { name: "Euler, shift 1, 10 steps", class: "flow-match-euler", config: {}, steps: 10 },
  {
    name: "Euler, shift 3, terminal 0.02",
    class: "flow-match-euler",
    config: { shift: 3, shift_terminal: 0.02 },
    steps: 8,
  },
];

interface Reference {
  timesteps: number[];
  sigmas: number[];
  trace: Float32Array;
}

function runDiffusers(inputs: Array<{ sample: Float32Array; outputs: Float32Array }>): Reference[] {
  const dir = tempDir("i2v-flow-");
  inputs.forEach(({ sample, outputs }, i) => {
    writeFileSync(path.join(dir, `${i}.sample.f32`), sample);
    writeFileSync(path.join(dir, `${i}.outputs.f32`), outputs);
  });
  const spec = {
    dir,
    cases: CASES.map((c) => ({ class: c.class, config: c.config, steps: c.steps, length: LENGTH })),
  };
  const stdout = execFileSync(python as string, [SCRIPT], { input: JSON.stringify(spec), timeout: 300_000 });
  const lines = stdout.toString().trim().split("\n");
  const parsed = JSON.parse(lines[lines.length - 1] as string) as Array<{
    timesteps: number[];
    sigmas: number[];
  }>;
  return parsed.map((r, i) => {
    const raw = readFileSync(path.join(dir, `${i}.trace.f32`));
    return { ...r, trace: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4) };
  });
}

describe.skipIf(!python)("flow schedulers equal diffusers 0.42.1", () => {
  const inputs = CASES.map((c, i) => ({
    sample: fillNormal(new Float32Array(LENGTH), 1000 + i),
    outputs: fillNormal(new Float32Array(LENGTH * c.steps), 2000 + i),
  }));
  let reference: Reference[] = [];

  it("runs diffusers' loops", { timeout: 300_000 }, () => {
    reference = runDiffusers(inputs);
    expect(reference.length).toBe(CASES.length);
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const ref = reference[i] as Reference;
      const scheduler = createScheduler(c.class, c.config, c.steps);
      // Timesteps: UniPC's are integers, Euler's float32 values; both exactly diffusers'.
      expect([...scheduler.timesteps]).toEqual(ref.timesteps);
      const sigmas = (scheduler as unknown as { sigmas: Float32Array }).sigmas;
      expect([...sigmas]).toEqual(ref.sigmas);
      const { sample: first, outputs } = inputs[i] as { sample: Float32Array; outputs: Float32Array };
      const sample = first.slice();
      const modelOutput = new Float32Array(LENGTH);
      let worst = 0;
      scheduler.timesteps.forEach((_, k) => {
        for (let j = 0; j < LENGTH; j++)
          modelOutput[j] = Math.fround(
            Math.fround(0.5 * (sample[j] as number)) + (outputs[k * LENGTH + j] as number),
          );
        scheduler.step(modelOutput, k, sample);
        for (let j = 0; j < LENGTH; j++) {
          const theirs = ref.trace[k * LENGTH + j] as number;
          const err = Math.abs((sample[j] as number) - theirs) / (1 + Math.abs(theirs));
          if (!(err <= worst)) worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
        }
      });
      // float32 rounding of diffusers' own arithmetic; a wrong coefficient shows as 1e-3 or more.
      expect(worst, `${c.name}: worst relative difference over the loop`).toBeLessThan(2e-6);
    });
  });
});
