/**
 * Seeded random numbers: the same seed gives the same noise on every machine, so a generation is
 * reproducible. mulberry32 for uniforms, Box-Muller (both outputs used) for normals.
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `out` with standard normal samples from `seed`, scaled by `scale`. */
export function fillNormal(out: Float32Array, seed: number, scale = 1): Float32Array {
  const uniform = createRandom(seed);
  for (let i = 0; i < out.length; i += 2) {
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1)) * scale;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
