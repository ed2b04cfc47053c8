import { readFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import type { DemoSize } from "../../src/demo-model/constants.ts";
import { LoadedModel } from "../../src/pipeline/model.ts";
import type { RuntimeOptionsInput } from "../../src/pipeline/runtime-options.ts";

/** The sample photos in test/fixtures (sources and licences in its README). */
export const FIXTURES = path.resolve(import.meta.dirname, "../../../test/fixtures");

export function fixture(name: string): Promise<Buffer> {
  return readFile(path.join(FIXTURES, name));
}

/** A fresh cache folder per test file, so builds are tested as a new user would run them. */
export { tempDir };

/** Builds the demo model into a temporary cache and loads it. */
export async function loadDemo(size?: DemoSize, options: RuntimeOptionsInput = {}): Promise<LoadedModel> {
  const dir = await ensureDemoModel(tempDir(), size);
  return LoadedModel.load(dir, { intraOpThreads: 2, ...options });
}

/** PSNR (dB) between two RGB24 buffers of the same size. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    se += d * d;
  }
  const mse = se / a.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

/** Mean absolute difference between two RGB24 buffers (0..255). */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}
