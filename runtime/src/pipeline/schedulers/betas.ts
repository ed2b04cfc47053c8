/**
 * Noise schedules (betas and cumulative alpha products) as diffusers builds them in torch float32.
 * Every intermediate that torch keeps in float32 is rounded with `Math.fround` so the tables hold
 * the same values as diffusers' `alphas_cumprod`; they are returned as float64 arrays because the
 * per-step coefficients are derived from them in float64.
 */

/** The beta schedules diffusers implements for DDIM and DPM-Solver. */
export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2";

/** The inputs that decide a noise schedule (diffusers `scheduler_config.json` names). */
export interface NoiseScheduleConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  trained_betas?: readonly number[] | null | undefined;
  rescale_betas_zero_snr: boolean;
}

const f32 = Math.fround;

/** `torch.linspace(start, end, steps, dtype=float32)`: first half counts up from start, second half down from end. */
function linspaceF32(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1)));
  }
  return out;
}

/** Glide's cosine schedule (`betas_for_alpha_bar`, cosine transform), computed in float64 then stored as float32. */
function squaredCosCapV2(n: number, maxBeta = 0.999): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta));
  }
  return out;
}

/** `torch.cumprod` of float32 `1 - betas`: torch's CPU kernel accumulates in double and stores float32. */
function cumprodOfAlphas(betas: Float64Array): Float64Array {
  const out = new Float64Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - (betas[i] as number));
    out[i] = f32(acc);
  }
  return out;
}

/**
 * `rescale_zero_terminal_snr` (Lin et al. 2023, Algorithm 1): shift and scale sqrt(alpha_bar) so the
 * last timestep has zero signal while the first keeps its value, then convert back to betas.
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const cumprod = cumprodOfAlphas(betas);
  const sqrtBar = cumprod.map((a) => f32(Math.sqrt(a)));
  const first = sqrtBar[0] as number;
  const last = sqrtBar[n - 1] as number;
  const scale = f32(first / f32(first - last));
  const alphasBar = sqrtBar.map((v) => {
    const shifted = f32(f32(v - last) * scale);
    return f32(shifted * shifted);
  });
  const out = new Float64Array(n);
  out[0] = f32(1 - (alphasBar[0] as number));
  for (let i = 1; i < n; i++) {
    out[i] = f32(1 - f32((alphasBar[i] as number) / (alphasBar[i - 1] as number)));
  }
  return out;
}

/** The betas of a config, after the optional zero-terminal-SNR rescale. */
export function makeBetas(config: NoiseScheduleConfig): Float64Array {
  const n = config.num_train_timesteps;
  let betas: Float64Array;
  if (config.trained_betas != null) {
    betas = Float64Array.from(config.trained_betas, (b) => f32(b));
  } else if (config.beta_schedule === "linear") {
    betas = linspaceF32(config.beta_start, config.beta_end, n);
  } else if (config.beta_schedule === "scaled_linear") {
    // Latent-diffusion schedule: linear in sqrt(beta), squared in float32.
    betas = linspaceF32(config.beta_start ** 0.5, config.beta_end ** 0.5, n).map((b) => f32(b * b));
  } else {
    betas = squaredCosCapV2(n);
  }
  return config.rescale_betas_zero_snr ? rescaleZeroTerminalSnr(betas) : betas;
}

/** `alphas_cumprod` of a config, as diffusers holds it (float32 values in a float64 array). */
export function makeAlphasCumprod(config: NoiseScheduleConfig): Float64Array {
  return cumprodOfAlphas(makeBetas(config));
}
