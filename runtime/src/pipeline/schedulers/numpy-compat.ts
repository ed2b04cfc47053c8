/**
 * The few NumPy array constructors that diffusers uses to build timestep schedules, reproduced
 * operation for operation in float64 so that the resulting integer timesteps are identical
 * (NumPy's rounding and linspace endpoint rules decide ties such as 499.5).
 */

/** Rounds half to even, like `np.round` / `ndarray.round()` (Python's `round` too). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `np.linspace(start, stop, num)` with endpoint=True: `i * step + start`, last value exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  const out: number[] = new Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) {
    // NumPy divides first when the step underflows to zero; otherwise it multiplies by the step.
    out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  }
  out[num - 1] = stop;
  return out;
}

/**
 * `np.arange(start, stop, step)` for float steps: length `ceil((stop - start) / step)`, values
 * `start + i * delta` where NumPy takes `delta` as the difference of its first two values.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out: number[] = new Array(length);
  for (let i = 0; i < length; i++) out[i] = start + i * delta;
  return out;
}
