/**
 * UniPC (Zhao et al. 2023) as diffusers' UniPCMultistepScheduler runs it for Wan: flow sigmas,
 * `flow_prediction`, x0 predicted (predict_x0), a multistep predictor (UniP) of order 1 or 2 and a
 * corrector (UniC) that revises the sample with the model output at the new point before the next
 * prediction. Every scalar and element is rounded to float32 where diffusers holds it in a float32
 * tensor, so a full loop stays within float32 rounding of diffusers' own numbers.
 *
 * The corrected step reads the current x0, the previous sample and two earlier x0s, more state than
 * {@link LinearStep} carries: `linearStep` throws, and the denoising loop calls `step`.
 */
import type { UniPcConfig } from "./config.ts";
import { flowPredictOriginal, unipcFlowSchedule } from "./flow-sigmas.ts";
import { assertSameLength, type LinearStep, type Scheduler, type SchedulerOptions } from "./scheduler.ts";

const f32 = Math.fround;

/** log(alpha) - log(sigma) for flow sigmas (alpha = 1 - sigma), each op in float32. */
function lambdaOf(sigma: number): number {
  const alpha = f32(1 - sigma);
  return f32(f32(Math.log(alpha)) - f32(Math.log(sigma)));
}

/** The scalars one UniP/UniC update needs between sigmas `s0` (from) and `t` (to). */
interface UpdateScalars {
  /** sigma_t / sigma_s0 */
  ratio: number;
  /** alpha_t * h_phi_1 */
  alphaPhi: number;
  /** alpha_t * B(h) */
  alphaB: number;
  /** The B(h)-scaled coefficients b_i (i = 1..order) and r_k of the earlier point. */
  b: number[];
  rk: number;
}

export class UniPcMultistepScheduler implements Scheduler {
  readonly kind = "unipc" as const;
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1.0;
  /** sigma per step plus the final sigma (float32, as diffusers holds them). */
  readonly sigmas: Float32Array;
  /** x0 predictions of the last two steps ([0] the older), as diffusers' model_outputs. */
  private x0s: [Float32Array | null, Float32Array | null] = [null, null];
  /** The (corrected) sample the last predictor started from: diffusers' last_sample. */
  private lastSample: Float32Array | null = null;
  private spare: Float32Array | null = null;
  private lowerOrderNums = 0;
  private lastOrder = 0;
  private lastStepIndex = -2;

  constructor(
    private readonly config: UniPcConfig,
    numInferenceSteps: number,
    options: SchedulerOptions = {},
  ) {
    const schedule = unipcFlowSchedule(config, numInferenceSteps);
    this.timesteps = Object.freeze(schedule.timesteps);
    this.sigmas = schedule.sigmas;
    if (options.sampleLength !== undefined) this.allocate(options.sampleLength);
  }

  private allocate(length: number): void {
    this.x0s = [new Float32Array(length), new Float32Array(length)];
    this.lastSample = new Float32Array(length);
    this.spare = new Float32Array(length);
  }

  private sigmaAt(index: number): number {
    const s = this.sigmas[index];
    if (s === undefined)
      throw new RangeError(`step index ${index} is outside 0..${this.timesteps.length - 1}`);
    return s;
  }

  /**
   * diffusers' shared preamble of multistep_uni_p_bh_update and multistep_uni_c_bh_update: from
   * sigma index `from` to `to`, with the earlier point `earlier` for order 2.
   */
  private scalars(from: number, to: number, earlier: number, order: number): UpdateScalars {
    const sigmaT = this.sigmaAt(to);
    const sigmaS0 = this.sigmaAt(from);
    const alphaT = f32(1 - sigmaT);
    const lambdaS0 = lambdaOf(sigmaS0);
    const h = f32(lambdaOf(sigmaT) - lambdaS0);
    const rk = order >= 2 ? f32(f32(lambdaOf(this.sigmaAt(earlier)) - lambdaS0) / h) : 1;
    const hh = f32(-h);
    const hPhi1 = f32(Math.expm1(hh));
    const bH = this.config.solver_type === "bh1" ? hh : f32(Math.expm1(hh));
    let hPhiK = f32(f32(hPhi1 / hh) - 1);
    let factorial = 1;
    const b: number[] = [];
    for (let i = 1; i <= order; i++) {
      b.push(f32(f32(hPhiK * factorial) / bH));
      factorial *= i + 1;
      hPhiK = f32(f32(hPhiK / hh) - f32(1 / factorial));
    }
    return {
      ratio: f32(sigmaT / sigmaS0),
      alphaPhi: f32(alphaT * hPhi1),
      alphaB: f32(alphaT * bH),
      b,
      rk,
    };
  }

  predictOriginal(
    modelOutput: Float32Array,
    stepIndex: number,
    sample: Float32Array,
    out: Float32Array,
  ): Float32Array {
    return flowPredictOriginal(this.sigmaAt(stepIndex), modelOutput, sample, out);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    this.sigmaAt(stepIndex);
    assertSameLength("modelOutput", sample.length, modelOutput.length);
    if (this.spare === null || this.spare.length !== sample.length) this.allocate(sample.length);
    // A step that does not follow the previous one starts the solver afresh (no corrector, order 1).
    if (stepIndex !== this.lastStepIndex + 1) {
      this.lowerOrderNums = 0;
      this.lastOrder = 0;
    }
    const x0 = this.predictOriginal(modelOutput, stepIndex, sample, this.spare as Float32Array);
    const [older, previous] = this.x0s as [Float32Array, Float32Array];
    const useCorrector =
      stepIndex > 0 && this.lastOrder > 0 && !this.config.disable_corrector.includes(stepIndex - 1);
    if (useCorrector) this.correct(stepIndex, x0, previous, older, sample);
    // History shift: the oldest buffer receives the new x0 (diffusers' model_outputs[-1]).
    this.x0s = [previous, older];
    older.set(x0);
    const n = this.timesteps.length;
    const order = Math.min(
      this.config.lower_order_final
        ? Math.min(this.config.solver_order, n - stepIndex)
        : this.config.solver_order,
      this.lowerOrderNums + 1,
    );
    (this.lastSample as Float32Array).set(sample);
    this.predict(stepIndex, order, older, previous, sample);
    this.lastOrder = order;
    if (this.lowerOrderNums < this.config.solver_order) this.lowerOrderNums++;
    this.lastStepIndex = stepIndex;
    return sample;
  }

  /** multistep_uni_c_bh_update: `sample` (x_t) is replaced by the corrected one, from last_sample. */
  private correct(
    k: number,
    x0: Float32Array,
    m0: Float32Array,
    m1: Float32Array,
    sample: Float32Array,
  ): void {
    const order = this.lastOrder;
    const s = this.scalars(k - 1, k, k - 2, order);
    let rhoD1 = 0;
    let rhoT = 0.5;
    if (order === 2) {
      // torch.linalg.solve(R, b) for R = [[1, 1], [rk, 1]], computed in float64 and rounded.
      const [b1, b2] = s.b as [number, number];
      const rhoEarlier = (b1 - b2) / (1 - s.rk);
      rhoD1 = f32(rhoEarlier);
      rhoT = f32(b1 - rhoEarlier);
    }
    const last = this.lastSample as Float32Array;
    for (let i = 0; i < sample.length; i++) {
      const base = f32(f32(s.ratio * (last[i] as number)) - f32(s.alphaPhi * (m0[i] as number)));
      const m0i = m0[i] as number;
      const d1t = f32((x0[i] as number) - m0i);
      let corr = f32(rhoT * d1t);
      if (order === 2) {
        const d1 = f32(f32((m1[i] as number) - m0i) / s.rk);
        corr = f32(f32(rhoD1 * d1) + corr);
      }
      sample[i] = f32(base - f32(s.alphaB * corr));
    }
  }

  /** multistep_uni_p_bh_update: `sample` becomes the prediction at the next sigma. */
  private predict(k: number, order: number, m0: Float32Array, m1: Float32Array, sample: Float32Array): void {
    const s = this.scalars(k, k + 1, k - 1, order);
    for (let i = 0; i < sample.length; i++) {
      const m0i = m0[i] as number;
      let x = f32(f32(s.ratio * (sample[i] as number)) - f32(s.alphaPhi * m0i));
      if (order === 2) {
        const d1 = f32(f32((m1[i] as number) - m0i) / s.rk);
        x = f32(x - f32(s.alphaB * f32(0.5 * d1)));
      }
      sample[i] = x;
    }
  }

  /** diffusers' add_noise with flow sigmas: (1 - sigma) * original + sigma * noise. */
  addNoise(original: Float32Array, noise: Float32Array, stepIndex: number, out: Float32Array): Float32Array {
    const sigma = this.sigmaAt(stepIndex);
    const alpha = f32(1 - sigma);
    assertSameLength("noise", original.length, noise.length);
    assertSameLength("out", original.length, out.length);
    for (let i = 0; i < original.length; i++) {
      out[i] = f32(f32(alpha * (original[i] as number)) + f32(sigma * (noise[i] as number)));
    }
    return out;
  }

  reset(): void {
    this.lowerOrderNums = 0;
    this.lastOrder = 0;
    this.lastStepIndex = -2;
  }

  linearStep(_stepIndex: number): LinearStep {
    throw new Error(
      "UniPC's corrected step reads the previous sample and two earlier x0 predictions, which a LinearStep cannot hold; call scheduler.step() in the denoising loop",
    );
  }
}
