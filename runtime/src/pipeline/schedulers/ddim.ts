/**
 * DDIM (Song et al. 2021), ported from diffusers' DDIMScheduler: same timesteps, same
 * `alphas_cumprod`, same update. Per-step coefficients are precomputed in float64; the step itself
 * is one loop over float32 arrays.
 */
import { makeAlphasCumprod } from "./betas.ts";
import type { DdimConfig } from "./config.ts";
import { assertSameLength, type LinearStep, type Scheduler, type SchedulerOptions } from "./scheduler.ts";
import { ddimTimesteps } from "./timesteps.ts";

/** One step's coefficients: x0 = p*s + q*m, eps = u*s + w*m, prev = a*x0 + d*eps + std*noise. */
interface DdimStepCoefficients {
  p: number;
  q: number;
  u: number;
  w: number;
  a: number;
  d: number;
  std: number;
  sqrtAlphaProd: number;
  sqrtOneMinusAlphaProd: number;
}

/**
 * DDIM's sigma_t^2 between `timestep` and `prevTimestep` (formula 16), as diffusers' `_get_variance`;
 * a negative `prevTimestep` means "past the end", which uses `finalAlphaCumprod`.
 */
export function ddimVariance(
  alphasCumprod: Float64Array,
  finalAlphaCumprod: number,
  timestep: number,
  prevTimestep: number,
): number {
  const alphaProd = alphasCumprod[timestep] as number;
  const alphaProdPrev = prevTimestep >= 0 ? (alphasCumprod[prevTimestep] as number) : finalAlphaCumprod;
  return ((1 - alphaProdPrev) / (1 - alphaProd)) * (1 - alphaProd / alphaProdPrev);
}

/** DDIM as a {@link Scheduler}; `eta > 0` adds the stochastic term from caller-supplied noise. */
export class DdimScheduler implements Scheduler {
  readonly kind = "ddim" as const;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1.0;
  /** The training schedule's cumulative alpha products (float32 values, as diffusers holds them). */
  readonly alphasCumprod: Float64Array;
  /** Alpha product used past the last timestep: 1, or `alphasCumprod[0]` without `set_alpha_to_one`. */
  readonly finalAlphaCumprod: number;
  readonly eta: number;
  private readonly coefficients: DdimStepCoefficients[];
  private readonly clipRange: number;

  constructor(config: DdimConfig, numInferenceSteps: number, options: SchedulerOptions = {}) {
    this.eta = options.eta ?? 0;
    this.alphasCumprod = makeAlphasCumprod(config);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1.0 : (this.alphasCumprod[0] as number);
    this.timesteps = Object.freeze(ddimTimesteps(config, numInferenceSteps));
    // Clipping x0 to +-range is the identity for an infinite range, which keeps the loop branch-free.
    this.clipRange = config.clip_sample ? config.clip_sample_range : Number.POSITIVE_INFINITY;
    // diffusers steps back by the "leading" ratio whatever the spacing; keep that for equal numbers.
    const stride = Math.floor(config.num_train_timesteps / numInferenceSteps);
    this.coefficients = this.timesteps.map((t) =>
      this.coefficientsFor(config.prediction_type, t, t - stride),
    );
  }

  private coefficientsFor(
    prediction: DdimConfig["prediction_type"],
    t: number,
    prevT: number,
  ): DdimStepCoefficients {
    const alphaProd = this.alphasCumprod[t] as number;
    const alphaProdPrev = prevT >= 0 ? (this.alphasCumprod[prevT] as number) : this.finalAlphaCumprod;
    const sa = Math.sqrt(alphaProd);
    const sb = Math.sqrt(1 - alphaProd);
    const std = this.eta * Math.sqrt(ddimVariance(this.alphasCumprod, this.finalAlphaCumprod, t, prevT));
    const base = {
      a: Math.sqrt(alphaProdPrev),
      d: Math.sqrt(1 - alphaProdPrev - std * std),
      std,
      sqrtAlphaProd: sa,
      sqrtOneMinusAlphaProd: sb,
    };
    switch (prediction) {
      case "epsilon":
        return { ...base, p: 1 / sa, q: -sb / sa, u: 0, w: 1 };
      case "sample":
        // epsilon is derived from the unclipped x0, as in diffusers.
        return { ...base, p: 0, q: 1, u: 1 / sb, w: -sa / sb };
      case "v_prediction":
        return { ...base, p: sa, q: -sb, u: sb, w: sa };
    }
  }

  private coefficientsAt(stepIndex: number): DdimStepCoefficients {
    const c = this.coefficients[stepIndex];
    if (c === undefined) {
      throw new RangeError(`step index ${stepIndex} is outside 0..${this.coefficients.length - 1}`);
    }
    return c;
  }

  predictOriginal(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out: Float32Array,
  ): Float32Array {
    const { p, q } = this.coefficientsAt(stepIndex);
    const r = this.clipRange;
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    assertSameLength("out", sample.length, out.length);
    for (let i = 0; i < sample.length; i++) {
      const x0 = p * (sample[i] as number) + q * (modelOutput[i] as number);
      out[i] = Math.min(Math.max(x0, -r), r);
    }
    return out;
  }

  /** One DDIM step in place; `noise` (standard normal) is required when eta > 0 and ignored otherwise. */
  step(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    noise?: Float32Array,
  ): Float32Array {
    const { p, q, u, w, a, d, std } = this.coefficientsAt(stepIndex);
    const r = this.clipRange;
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    if (std > 0) {
      if (noise === undefined) throw new TypeError("DDIM with eta > 0 needs a noise array for each step");
      assertSameLength("noise", sample.length, noise.length);
    }
    for (let i = 0; i < sample.length; i++) {
      const s = sample[i] as number;
      const m = modelOutput[i] as number;
      let x0 = p * s + q * m;
      x0 = Math.min(Math.max(x0, -r), r);
      const prev = a * x0 + d * (u * s + w * m);
      sample[i] = std > 0 ? prev + std * ((noise as Float32Array)[i] as number) : prev;
    }
    return sample;
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number, out: Float32Array): Float32Array {
    const { sqrtAlphaProd, sqrtOneMinusAlphaProd } = this.coefficientsAt(stepIndex);
    assertSameLength("noise", original.length, noise.length);
    assertSameLength("out", original.length, out.length);
    for (let i = 0; i < original.length; i++) {
      out[i] = sqrtAlphaProd * (original[i] as number) + sqrtOneMinusAlphaProd * (noise[i] as number);
    }
    return out;
  }

  /** DDIM keeps no history between steps. */
  reset(): void {}

  linearStep(stepIndex: number): LinearStep {
    const { p, q, u, w, a, d, std } = this.coefficientsAt(stepIndex);
    if (std > 0) throw new RangeError("DDIM with eta > 0 is stochastic and has no linear form; use eta = 0");
    return {
      x0Sample: p,
      x0Output: q,
      clip: this.clipRange,
      prevX0: a,
      prevSample: d * u,
      prevOutput: d * w,
      prevHistory: 0,
    };
  }
}
