import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cacheDir } from "../../runtime/src/config/model-dir.ts";
import { ensureDemoModel } from "../../runtime/src/demo-model/build.ts";
import type { DemoSize } from "../../runtime/src/demo-model/constants.ts";
import type { RuntimeOptionsInput } from "../../runtime/src/pipeline/runtime-options.ts";
import { type Figure, figure } from "../types.ts";
import { loadWithoutWarmup, onnxBytes, readFloor } from "./load.ts";
import { interleave, mb, median } from "./stats.ts";

export interface LoadMeasure {
  size: DemoSize;
  bytes: number;
  /** Medians, ms. */
  warm: number;
  cold: number;
  floor: number;
  /** The first start with an empty cache: optimizes and writes the cache entry. */
  firstWithCache: number;
  /**
   * Medians of the per-round ratios: each pair ran back to back, so a load swing on this shared
   * host hits both sides of a ratio alike, which the ratio of two medians would not guarantee.
   */
  warmOverFloor: number;
  warmOverCold: number;
  /** The same warm load with one intra-op thread per session (I2V_THREADS=1), against the floor. */
  oneThreadOverFloor: number;
}

/**
 * Model load of one demo size, three ways interleaved round by round: with the optimized-model
 * cache warm, cold (no cache: graph optimization from scratch, as with I2V_ORT_CACHE=off), and the
 * floor (reading every .onnx file). One read and one cached load come first so the page cache
 * holds both the model and the cache entries.
 */
export async function measureLoad(
  size: DemoSize,
  rounds: number,
  runtime: RuntimeOptionsInput = {},
): Promise<LoadMeasure> {
  const dir = await ensureDemoModel(cacheDir(), size);
  const ortCache = await mkdtemp(path.join(os.tmpdir(), "i2v-bench-ort-cache-"));
  try {
    const firstWithCache = await loadWithoutWarmup(dir, { ...runtime, optimizedModelCacheDir: ortCache });
    await readFloor(dir);
    const samples = await interleave(
      {
        warm: () => loadWithoutWarmup(dir, { ...runtime, optimizedModelCacheDir: ortCache }),
        cold: () => loadWithoutWarmup(dir, runtime),
        oneThread: () =>
          loadWithoutWarmup(dir, { ...runtime, optimizedModelCacheDir: ortCache, intraOpThreads: 1 }),
        floor: () => readFloor(dir),
      },
      rounds,
    );
    return {
      size,
      bytes: await onnxBytes(dir),
      warm: median(samples.warm),
      cold: median(samples.cold),
      floor: median(samples.floor),
      firstWithCache,
      warmOverFloor: median(samples.warm.map((w, i) => w / samples.floor[i]!)),
      warmOverCold: median(samples.warm.map((w, i) => w / samples.cold[i]!)),
      oneThreadOverFloor: median(samples.oneThread.map((w, i) => w / samples.floor[i]!)),
    };
  } finally {
    await rm(ortCache, { recursive: true, force: true });
  }
}

export const sizeLabel = (m: LoadMeasure): string => `demo ${m.size.width}x${m.size.depth}, ${mb(m.bytes)}`;

/**
 * Figures from the load measures, smallest model first. The 1.5 target applies to the largest
 * size only: a real model is gigabytes, where the fixed per-session cost the small sizes show
 * (six sessions, a few ms each) no longer counts.
 */
export function loadFigures(measures: LoadMeasure[], rounds: number): Figure[] {
  const how = (m: LoadMeasure) =>
    `npm run bench -- --only=runtime (${sizeLabel(m)}; in a fresh process: LoadedModel.load minus warm-up: manifest, 6 ORT sessions, tokenizer; ` +
    `floor: fs.readFile of every .onnx, page cache warm; median of ${rounds} interleaved rounds; ratios: median of per-round ratios)`;
  const largest = measures.at(-1)!;
  const figures = measures.map((m) =>
    figure({
      name: `model load (cache warm) / file-read floor, ${sizeLabel(m)}`,
      value: m.warmOverFloor,
      unit: "x",
      target: m === largest ? 1.5 : null,
      better: "lower",
      how: how(m),
    }),
  );
  figures.push(
    figure({
      // Each session starts its own intra-op thread pool; on a busy host those threads wait for
      // cores, which a one-thread load does not.
      name: `model load (cache warm, intra-op threads 1) / file-read floor, ${sizeLabel(largest)}`,
      value: largest.oneThreadOverFloor,
      unit: "x",
      target: null,
      better: "lower",
      how: `${how(largest)}; I2V_THREADS=1`,
    }),
    figure({
      name: `model load, optimized-model cache warm / cold (no cache), ${sizeLabel(largest)}`,
      value: largest.warmOverCold,
      unit: "x",
      target: null,
      better: "lower",
      how: `${how(largest)}; cold = I2V_ORT_CACHE=off, graph optimization level all`,
    }),
  );
  for (const [key, label] of [
    ["warm", "cache warm"],
    ["cold", "cold (no cache)"],
    ["firstWithCache", "first start (writes the cache)"],
    ["floor", "file-read floor"],
  ] as const) {
    figures.push(
      figure({
        name: `model load, ${label}, ${sizeLabel(largest)}`,
        value: largest[key],
        unit: "ms",
        target: null,
        better: "lower",
        how: key === "firstWithCache" ? `${how(largest)}; one run` : how(largest),
      }),
    );
  }
  return figures;
}
