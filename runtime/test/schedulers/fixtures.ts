/**
 * The deterministic inputs of diffusers' scheduler tests (tests/schedulers/test_schedulers.py,
 * SchedulerCommonTest), rebuilt exactly: `dummy_sample_deter`, `dummy_noise_deter` and `dummy_model`.
 */

const BATCH = 4;
const CHANNELS = 3;
const HEIGHT = 8;
const WIDTH = 8;
const NUM_ELEMS = BATCH * CHANNELS * HEIGHT * WIDTH;

/**
 * `torch.arange(n)` (optionally `.flip(-1)`), `.reshape(C, H, W, B) / n`, `.permute(3, 0, 1, 2)`,
 * laid out contiguously in the permuted (B, C, H, W) order; values are float32 as in torch.
 */
function deterministic(flip: boolean): Float32Array {
  const out = new Float32Array(NUM_ELEMS);
  let k = 0;
  for (let b = 0; b < BATCH; b++) {
    for (let c = 0; c < CHANNELS; c++) {
      for (let h = 0; h < HEIGHT; h++) {
        for (let w = 0; w < WIDTH; w++) {
          const flat = ((c * HEIGHT + h) * WIDTH + w) * BATCH + b;
          const value = flip ? NUM_ELEMS - 1 - flat : flat;
          out[k++] = value / NUM_ELEMS;
        }
      }
    }
  }
  return out;
}

/** diffusers' `dummy_sample_deter`, shape (4, 3, 8, 8). */
export function dummySampleDeter(): Float32Array {
  return deterministic(false);
}

/** diffusers' `dummy_noise_deter`: the same with the arange flipped. */
export function dummyNoiseDeter(): Float32Array {
  return deterministic(true);
}

/** diffusers' `dummy_model`: `sample * t / (t + 1)`, in float32. */
export function dummyModel(sample: Float32Array, t: number): Float32Array {
  const out = new Float32Array(sample.length);
  for (let i = 0; i < sample.length; i++) out[i] = Math.fround((sample[i] as number) * t) / (t + 1);
  return out;
}

/** `torch.sum(torch.abs(x))` and `torch.mean(torch.abs(x))`. */
export function absStats(x: Float32Array): { sum: number; mean: number } {
  let sum = 0;
  for (const v of x) sum += Math.abs(v);
  return { sum, mean: sum / x.length };
}
