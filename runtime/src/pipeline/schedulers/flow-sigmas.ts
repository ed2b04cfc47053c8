/**
 * The flow-matching sigma schedules of diffusers' UniPCMultistepScheduler (`use_flow_sigmas`) and
 * FlowMatchEulerDiscreteScheduler, operation for operation: NumPy's float64 where diffusers builds
 * them with NumPy, float32 (`Math.fround`) where it holds them in torch tensors.
 */
import { linspace } from "./numpy-compat.ts";
import { assertSameLength } from "./scheduler.ts";

const f32 = Math.fround;

/** `shift * s / (1 + (shift - 1) * s)`, in float64 as NumPy computes it. */
export function shiftSigma(shift: number, sigma: number): number {
  return (shift * sigma) / (1 + (shift - 1) * sigma);
}

/** diffusers' `stretch_shift_to_terminal`: the schedule rescaled so that it ends at `terminal`. */
export function stretchToTerminal(sigmas: number[], terminal: number): number[] {
  const scale = (1 - (sigmas[sigmas.length - 1] as number)) / (1 - terminal);
  return sigmas.map((s) => 1 - (1 - s) / scale);
}

/**
 * UniPCMultistepScheduler.set_timesteps with use_flow_sigmas: sigmas from 1 down to 1/N (N + 1
 * points, the last dropped), shifted, the first nudged below 1; integer timesteps (truncated, as
 * `.to(torch.int64)`), and float32 sigmas with the final one appended.
 */
export function unipcFlowSchedule(
  config: {
    num_train_timesteps: number;
    flow_shift: number;
    shift_terminal: number | null;
    final_sigmas_type: "zero" | "sigma_min";
  },
  numInferenceSteps: number,
): { timesteps: number[]; sigmas: Float32Array } {
  const n = config.num_train_timesteps;
  let sigmas = linspace(1, 1 / n, numInferenceSteps + 1)
    .slice(0, -1)
    .map((s) => shiftSigma(config.flow_shift, s));
  if (config.shift_terminal) sigmas = stretchToTerminal(sigmas, config.shift_terminal);
  const eps = 1e-6;
  if (Math.abs((sigmas[0] as number) - 1) < eps) sigmas[0] = (sigmas[0] as number) - eps;
  const timesteps = sigmas.map((s) => Math.trunc(s * n));
  const last = config.final_sigmas_type === "zero" ? 0 : (sigmas[sigmas.length - 1] as number);
  return { timesteps, sigmas: Float32Array.from([...sigmas, last]) };
}

/**
 * FlowMatchEulerDiscreteScheduler: the constructor's float32 training sigmas give sigma_max and
 * sigma_min (already shifted); set_timesteps spaces timesteps between them in float64 and shifts
 * again (diffusers does apply the shift twice), then holds sigmas in float32, timesteps as
 * `sigma * N` in float32, and appends a final sigma of 0.
 */
export function flowMatchEulerSchedule(
  config: { num_train_timesteps: number; shift: number; shift_terminal: number | null },
  numInferenceSteps: number,
): { timesteps: number[]; sigmas: Float32Array } {
  const n = config.num_train_timesteps;
  const shift = config.shift;
  // __init__: torch float32, timesteps 1..N reversed, so the first is N (sigma 1) and the last 1.
  const trainShifted = (t: number) => {
    const s = f32(f32(t) / n);
    return f32(f32(shift * s) / f32(1 + f32(f32(shift - 1) * s)));
  };
  const sigmaMax = trainShifted(n);
  const sigmaMin = trainShifted(1);
  let sigmas = linspace(sigmaMax * n, sigmaMin * n, numInferenceSteps).map((t) => shiftSigma(shift, t / n));
  if (config.shift_terminal) sigmas = stretchToTerminal(sigmas, config.shift_terminal);
  const held = Float32Array.from([...sigmas, 0]);
  const timesteps = Array.from(held.subarray(0, numInferenceSteps), (s) => f32(s * n));
  return { timesteps, sigmas: held };
}

/**
 * The clean sample a flow-prediction model implies, `x0 = sample - sigma * v`, in float32 as both
 * schedulers compute it (UniPC's `convert_model_output`, FlowMatchEuler's `x0`): into `out`.
 */
export function flowPredictOriginal(
  sigma: number,
  modelOutput: Float32Array,
  sample: Float32Array,
  out: Float32Array,
): Float32Array {
  assertSameLength("modelOutput", sample.length, modelOutput.length);
  assertSameLength("out", sample.length, out.length);
  for (let i = 0; i < sample.length; i++) {
    out[i] = f32((sample[i] as number) - f32(sigma * (modelOutput[i] as number)));
  }
  return out;
}
