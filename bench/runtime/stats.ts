/** Median of a non-empty list: robust to the spikes a shared, loaded machine adds. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time of one async call, in ms. */
export async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/**
 * Runs every variant once per round, in a rotating order, and returns each variant's samples.
 * Interleaving (A, B, C, then B, C, A, ...) spreads the host's load swings over all variants alike.
 */
export async function interleave<K extends string>(
  variants: Record<K, () => Promise<number>>,
  rounds: number,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(variants) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(round + i) % keys.length]!;
      samples[key].push(await variants[key]());
    }
  }
  return samples;
}

/** Megabytes, for logs and figure names. */
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
