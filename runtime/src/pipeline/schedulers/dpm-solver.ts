/**
 * DPM-Solver++ multistep (Lu et al. 2022), the ODE solver of diffusers'
 * DPMSolverMultistepScheduler with algorithm_type "dpmsolver++" and solver_order 1 or 2:
 * DPM-Solver++(2M) with a first-order start and, where configured, a first-order final step.
 * The model output is turned into an x0 prediction, and the update is linear in the sample and
 * the last two x0 predictions, so each step is one loop with precomputed float64 coefficients.
 */
import { makeAlphasCumprod } from "./betas.ts";
import type { DpmSolverConfig } from "./config.ts";
import { assertSameLength, type LinearStep, type Scheduler, type SchedulerOptions } from "./scheduler.ts";
import { dpmSolverTimesteps } from "./timesteps.ts";

/** One step's coefficients. x0 = p*s + q*m; first order: x = a1*s + b1*x0; second: x = a2*s + c0*x0 + c1*x0prev. */
interface DpmStepCoefficients {
  p: number;
  q: number;
  a1: number;
  b1: number;
  a2: number;
  c0: number;
  c1: number;
  /** Only a first-order update is allowed at this step (final-step rules). */
  firstOrderOnly: boolean;
  alpha: number;
  sigma: number;
}

/** VP alpha_t and sigma_t from the EDM-style sigma = sigma_t / alpha_t. */
function alphaSigma(sigma: number): { alpha: number; sigma: number; lambda: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const sigmaT = sigma * alpha;
  return { alpha, sigma: sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
}

/** DPM-Solver++(2M) as a {@link Scheduler}. */
export class DpmSolverMultistepScheduler implements Scheduler {
  readonly kind = "dpmpp-2m" as const;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1.0;
  /** The training schedule's cumulative alpha products (float32 values, as diffusers holds them). */
  readonly alphasCumprod: Float64Array;
  /** sigma per step plus the final sigma (float32 values, as diffusers holds them). */
  readonly sigmas: Float64Array;
  private readonly coefficients: DpmStepCoefficients[];
  private x0: Float32Array | null = null;
  private x0Prev: Float32Array | null = null;
  /** How many consecutive steps have run, up to the solver order (diffusers' lower_order_nums). */
  private history = 0;
  private lastStepIndex = -2;

  constructor(
    private readonly config: DpmSolverConfig,
    numInferenceSteps: number,
    options: SchedulerOptions = {},
  ) {
    const ac = makeAlphasCumprod(config);
    // Close to 0 without being 0, so the first sigma is finite (fp16's smallest subnormal, as diffusers).
    if (config.rescale_betas_zero_snr) ac[ac.length - 1] = 2 ** -24;
    this.alphasCumprod = ac;
    const trainSigmas = ac.map((a) => Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a))));
    this.timesteps = Object.freeze(dpmSolverTimesteps(config, numInferenceSteps, this.lastTimestep()));
    const last = config.final_sigmas_type === "zero" ? 0 : (trainSigmas[0] as number);
    this.sigmas = Float64Array.from([...this.timesteps.map((t) => trainSigmas[t] as number), last]);
    this.coefficients = this.timesteps.map((_, i) => this.coefficientsFor(i));
    if (options.sampleLength !== undefined) this.allocate(options.sampleLength);
  }

  /** `num_train_timesteps` minus the timesteps whose lambda falls below `lambda_min_clipped`. */
  private lastTimestep(): number {
    const n = this.config.num_train_timesteps;
    const min = this.config.lambda_min_clipped;
    let clipped = 0;
    // searchsorted (left) on the ascending, flipped lambda_t: count of lambdas below the threshold.
    for (let t = n - 1; t >= 0; t--) {
      const a = this.alphasCumprod[t] as number;
      const lambda = Math.log(Math.sqrt(a)) - Math.log(Math.sqrt(1 - a));
      if (lambda < min) clipped++;
      else break;
    }
    return n - clipped;
  }

  private coefficientsFor(i: number): DpmStepCoefficients {
    const n = this.timesteps.length;
    const s0 = alphaSigma(this.sigmas[i] as number);
    const next = this.sigmas[i + 1] as number;
    const { p, q } = this.x0Coefficients(s0.alpha, s0.sigma);
    const isLast = i === n - 1;
    const cfg = this.config;
    const firstOrderOnly =
      cfg.solver_order === 1 ||
      (isLast &&
        (cfg.euler_at_final || (cfg.lower_order_final && n < 15) || cfg.final_sigmas_type === "zero"));
    const base = { p, q, firstOrderOnly, alpha: s0.alpha, sigma: s0.sigma };
    if (next === 0) {
      // sigma -> 0: h is infinite, exp(-h) = 0 and the update returns the x0 prediction itself.
      return { ...base, a1: 0, b1: 1, a2: 0, c0: 1, c1: 0 };
    }
    const t = alphaSigma(next);
    const h = t.lambda - s0.lambda;
    const a1 = t.sigma / s0.sigma;
    // alpha_t * (1 - exp(-h)), with expm1 for accuracy at small h.
    const b1 = -t.alpha * Math.expm1(-h);
    if (i === 0) return { ...base, a1, b1, a2: a1, c0: b1, c1: 0 };
    const s1 = alphaSigma(this.sigmas[i - 1] as number);
    const r0 = (s0.lambda - s1.lambda) / h;
    // D1 = (x0 - x0prev) / r0; midpoint adds 0.5 * b1 * D1, heun adds alpha_t * ((e^-h - 1)/h + 1) * D1.
    const k = cfg.solver_type === "midpoint" ? 0.5 * b1 : t.alpha * (Math.expm1(-h) / h + 1);
    const d = k / r0;
    return { ...base, a1, b1, a2: a1, c0: b1 + d, c1: -d };
  }

  private x0Coefficients(alpha: number, sigma: number): { p: number; q: number } {
    switch (this.config.prediction_type) {
      case "epsilon":
        return { p: 1 / alpha, q: -sigma / alpha };
      case "v_prediction":
        return { p: alpha, q: -sigma };
      case "sample":
        return { p: 0, q: 1 };
    }
  }

  private coefficientsAt(stepIndex: number): DpmStepCoefficients {
    const c = this.coefficients[stepIndex];
    if (c === undefined) {
      throw new RangeError(`step index ${stepIndex} is outside 0..${this.coefficients.length - 1}`);
    }
    return c;
  }

  private allocate(length: number): void {
    this.x0 = new Float32Array(length);
    this.x0Prev = new Float32Array(length);
  }

  predictOriginal(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out: Float32Array,
  ): Float32Array {
    const { p, q } = this.coefficientsAt(stepIndex);
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    assertSameLength("out", sample.length, out.length);
    for (let i = 0; i < sample.length; i++) {
      out[i] = p * (sample[i] as number) + q * (modelOutput[i] as number);
    }
    return out;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    const c = this.coefficientsAt(stepIndex);
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    if (this.x0 === null || this.x0.length !== sample.length) this.allocate(sample.length);
    // A step that does not follow the previous one starts the solver afresh (first order).
    if (stepIndex !== this.lastStepIndex + 1) this.history = 0;
    // Swap buffers: last step's x0 becomes the previous one; the new x0 is written over the older.
    const x0 = this.x0Prev as Float32Array;
    const x0Prev = this.x0 as Float32Array;
    this.x0 = x0;
    this.x0Prev = x0Prev;
    const firstOrder = c.firstOrderOnly || this.history < 1;
    const { p, q } = c;
    const a = firstOrder ? c.a1 : c.a2;
    const c0 = firstOrder ? c.b1 : c.c0;
    const c1 = c.c1;
    // x0 is stored as float32 (as diffusers keeps its model_outputs history) and read back rounded.
    if (firstOrder) {
      for (let i = 0; i < sample.length; i++) {
        const s = sample[i] as number;
        x0[i] = p * s + q * (modelOutput[i] as number);
        sample[i] = a * s + c0 * (x0[i] as number);
      }
    } else {
      for (let i = 0; i < sample.length; i++) {
        const s = sample[i] as number;
        x0[i] = p * s + q * (modelOutput[i] as number);
        sample[i] = a * s + c0 * (x0[i] as number) + c1 * (x0Prev[i] as number);
      }
    }
    if (this.history < this.config.solver_order) this.history++;
    this.lastStepIndex = stepIndex;
    return sample;
  }

  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number, out: Float32Array): Float32Array {
    const { alpha, sigma } = this.coefficientsAt(stepIndex);
    assertSameLength("noise", original.length, noise.length);
    assertSameLength("out", original.length, out.length);
    for (let i = 0; i < original.length; i++) {
      out[i] = alpha * (original[i] as number) + sigma * (noise[i] as number);
    }
    return out;
  }

  reset(): void {
    this.history = 0;
    this.lastStepIndex = -2;
  }

  linearStep(stepIndex: number): LinearStep {
    const c = this.coefficientsAt(stepIndex);
    // In order from step 0, the history is empty only at the first step.
    const firstOrder = c.firstOrderOnly || stepIndex === 0 || this.config.solver_order === 1;
    return {
      x0Sample: c.p,
      x0Output: c.q,
      clip: Number.POSITIVE_INFINITY,
      prevX0: firstOrder ? c.b1 : c.c0,
      prevSample: firstOrder ? c.a1 : c.a2,
      prevOutput: 0,
      prevHistory: firstOrder ? 0 : c.c1,
    };
  }
}
