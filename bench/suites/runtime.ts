import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { cacheDir } from "../../runtime/src/config/model-dir.ts";
import { ensureDemoModel } from "../../runtime/src/demo-model/build.ts";
import type { DemoSize } from "../../runtime/src/demo-model/constants.ts";
import { type LoadMeasure, loadFigures, sizeLabel } from "../runtime/cache-load.ts";
import { runChild } from "../runtime/child.ts";
import { convsToFp16, fp16Convs } from "../runtime/fp16.ts";
import {
  decodePeakSweep,
  decodeTimeSweep,
  LEVELS,
  levelCreateSweep,
  levelStepSweep,
  threadSweep,
} from "../runtime/sweeps.ts";
import { type BenchSuite, type Figure, figure } from "../types.ts";

/** Weight volumes for load vs floor: 2, 17 and 67 MB of ONNX files (the UNet's conv stack grows). */
const LOAD_SIZES: DemoSize[] = [
  { width: 128, depth: 4 },
  { width: 256, depth: 8 },
  { width: 512, depth: 8 },
];
/** The realistic step of the pipeline suite: ~60 ms quiet, 150-400 ms loaded (see pipeline.ts). */
const STEP = { size: { width: 128, depth: 4 }, resolution: 128, frames: 8 };
/** The decode sweep: 16 frames at 256 px, the standard preset's frame count. */
const DECODE = { chunks: [1, 2, 4, 8], resolution: 256, frames: 16 };

/**
 * The runtime's tuning figures: the optimized-model cache, model load against the file-read floor,
 * and the sweeps that chose the defaults (threads, graph optimization level, VAE decode chunk).
 * Service concurrency comes from the service suite's throughput figures.
 */
export const suite: BenchSuite = {
  name: "runtime",
  async run({ quick, log }) {
    const rounds = quick ? 7 : 11;
    const loadRounds = quick ? 15 : 21;
    const figures: Figure[] = [];
    const how = (what: string) =>
      `npm run bench -- --only=runtime (${what}; median of ${rounds} interleaved rounds)`;

    // In a fresh process, as a service start is, not in a heap the suites before have used.
    const measures = await runChild<LoadMeasure[]>("load-child.ts", [
      String(loadRounds),
      LOAD_SIZES.map((s) => `${s.width}x${s.depth}`).join(","),
    ]);
    for (const m of measures) {
      log(
        `${sizeLabel(m)}: load cache warm ${m.warm.toFixed(0)} ms, cold ${m.cold.toFixed(0)} ms, ` +
          `first with cache ${m.firstWithCache.toFixed(0)} ms, floor ${m.floor.toFixed(1)} ms ` +
          `(warm/floor ${m.warmOverFloor.toFixed(2)}, with 1 thread ${m.oneThreadOverFloor.toFixed(2)}, warm/cold ${m.warmOverCold.toFixed(2)})`,
      );
    }
    figures.push(...loadFigures(measures, loadRounds));

    const stepDir = await ensureDemoModel(cacheDir(), STEP.size);
    const stepUnet = path.join(stepDir, "unet/model.onnx");
    const stepSetting = `demo ${STEP.size.width}x${STEP.size.depth} UNet, CFG batch 2, ${STEP.frames} frames at ${STEP.resolution} px`;
    const threads = await threadSweep(stepUnet, STEP.resolution, STEP.frames, rounds);
    log(`UNet step by intra-op threads (${os.availableParallelism()} CPUs): ${fmt(threads)}`);
    for (const [n, ms] of Object.entries(threads)) {
      figures.push(
        msFigure(
          `UNet step, intra-op threads ${n === "0" ? "0 (ORT's choice, pinned)" : n}`,
          ms,
          how(stepSetting),
        ),
      );
    }

    const levelSteps = await levelStepSweep(stepUnet, STEP.resolution, STEP.frames, rounds);
    log(`UNet step by graph optimization level: ${fmt(levelSteps)}`);
    const bigUnet = path.join(await ensureDemoModel(cacheDir(), LOAD_SIZES.at(-1)), "unet/model.onnx");
    const levelCreates = await levelCreateSweep(bigUnet, rounds);
    log(`UNet session create (67 MB, no cache) by level: ${fmt(levelCreates)}`);
    for (const level of LEVELS) {
      figures.push(msFigure(`UNet step, graph optimization ${level}`, levelSteps[level], how(stepSetting)));
    }
    for (const level of LEVELS) {
      figures.push(
        msFigure(
          `UNet session create (no cache), graph optimization ${level}`,
          levelCreates[level],
          how(`${sizeLabel(measures.at(-1)!)} UNet file, no optimized-model cache`),
        ),
      );
    }

    const decodeTimes = await decodeTimeSweep(
      stepDir,
      DECODE.chunks,
      DECODE.resolution,
      DECODE.frames,
      rounds,
    );
    const peaks = await decodePeakSweep(
      stepDir,
      DECODE.chunks,
      DECODE.resolution,
      DECODE.frames,
      quick ? 1 : 3,
    );
    const decodeHow = (what: string) =>
      `npm run bench -- --only=runtime (demo VAE decoder + frames_to_rgb, ${DECODE.frames} frames at ${DECODE.resolution} px; ${what})`;
    for (const c of DECODE.chunks) {
      log(
        `VAE decode chunk ${c}: ${decodeTimes[c]!.toFixed(1)} ms, peak RSS growth ${peaks[c]!.toFixed(1)} MiB`,
      );
      figures.push(
        msFigure(
          `VAE decode ${DECODE.frames} frames, chunk ${c}`,
          decodeTimes[c]!,
          decodeHow(`median of ${rounds} interleaved rounds`),
        ),
        figure({
          name: `VAE decode peak RSS growth, chunk ${c}`,
          value: peaks[c]!,
          unit: "MiB",
          target: null,
          better: "lower",
          how: decodeHow("one decode in a fresh process, growth of its peak RSS"),
        }),
      );
    }

    log(`fp16 on CPU: ${await fp16OnCpu(stepUnet)}`);
    return figures;
  },
};

function msFigure(name: string, value: number, how: string): Figure {
  return figure({ name, value, unit: "ms", target: null, better: "lower", how });
}

const fmt = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}: ${v.toFixed(1)} ms`)
    .join(", ");

/**
 * fp32 vs fp16 needs a provider with fp16 convolutions. ORT's CPU provider here accepts an fp16
 * graph but, lacking fp16 Conv kernels on x64, casts those nodes to float32 (its
 * InsertCastTransformer, then constant folding of the weights) and computes in fp32: a timing
 * would measure fp32 again. The check reads ORT's optimized graph for fp16 Conv weights, so the
 * claim is verified on every run; bench/gpu.sh measures fp16 on CUDA.
 */
async function fp16OnCpu(unetFile: string): Promise<string> {
  const fp16 = convsToFp16(await readFile(unetFile));
  const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-bench-fp16-"));
  try {
    const saved = path.join(dir, "unet-fp16-cpu.onnx");
    const session = await ort.InferenceSession.create(fp16, {
      graphOptimizationLevel: "basic",
      optimizedModelFilePath: saved,
      logSeverityLevel: 3,
    });
    await session.release();
    const before = fp16Convs(fp16);
    const after = fp16Convs(await readFile(saved));
    return after.fp16 === 0
      ? `not measurable: of ${before.fp16} fp16 Convs, ORT's CPU provider kept none (it cast them to float32 and folded the weights: fp32 math); see bench/gpu.sh`
      : `the CPU provider kept ${after.fp16} of ${before.fp16} Convs in fp16: add a timed figure here`;
  } catch (error) {
    return `not measurable on CPU (${(error as Error).message.split("\n")[0]}); see bench/gpu.sh`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
