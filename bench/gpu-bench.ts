import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { cacheDir } from "../runtime/src/config/model-dir.ts";
import { ensureDemoModel } from "../runtime/src/demo-model/build.ts";
import type { DemoSize } from "../runtime/src/demo-model/constants.ts";
import { chooseProvider } from "../runtime/src/pipeline/providers.ts";
import { runtimeOptionsSchema } from "../runtime/src/pipeline/runtime-options.ts";
import { sessionOptions } from "../runtime/src/pipeline/sessions.ts";
import { measureLoad } from "./runtime/cache-load.ts";
import { convsToFp16 } from "./runtime/fp16.ts";
import { interleave, median, time } from "./runtime/stats.ts";
import { unetFeeds } from "./runtime/unet-feeds.ts";
import { type Figure, figure } from "./types.ts";

/**
 * The CUDA provider's figures, for a machine with an NVIDIA GPU (bench/gpu.sh runs it):
 * the demo UNet step on CPU against CUDA, fp16 against fp32 on CUDA, UNet session create on CUDA,
 * and model load with the optimized-model cache warm against the file-read floor on CUDA.
 * Writes bench/gpu-results.json in results.json's format; docs/performance.md says how to read it.
 */
/** GPU_BENCH_DRY=1: every code path on the CPU with small settings, to check the script (figures meaningless). */
const DRY = process.env.GPU_BENCH_DRY === "1";
const ROUNDS = DRY ? 1 : Number(process.env.GPU_BENCH_ROUNDS ?? 9);
/** The pipeline suite's step: small enough for the CPU side of the comparison. */
const SMALL = { size: { width: 128, depth: 4 }, resolution: 128, frames: 8 };
/** A step heavy enough to load a GPU: 7 conv layers of 512 channels, 16 frames at 256 px, CFG batch 2. */
const LARGE = DRY ? SMALL : { size: { width: 512, depth: 8 }, resolution: 256, frames: 16 };

const options = runtimeOptionsSchema.parse({ provider: DRY ? "cpu" : "cuda" });
const cuda = await chooseProvider(options); // fails with provider_unavailable when the libraries do not load
const cpu = await chooseProvider(runtimeOptionsSchema.parse({}));
const figures: Figure[] = [];
const how = (what: string) => `bash bench/gpu.sh (${what}; median of ${ROUNDS} interleaved rounds)`;
const unetFile = async (size: DemoSize) =>
  path.join(await ensureDemoModel(cacheDir(), size), "unet/model.onnx");

async function steps(sessions: Record<string, ort.InferenceSession>, feeds: Record<string, ort.Tensor>) {
  for (const s of Object.values(sessions)) await s.run(feeds); // cuDNN algorithm choice, allocations
  const samples = await interleave(
    Object.fromEntries(Object.entries(sessions).map(([k, s]) => [k, () => time(() => s.run(feeds))])),
    ROUNDS,
  );
  return Object.fromEntries(Object.keys(sessions).map((k) => [k, median(samples[k]!)]));
}

// CPU against CUDA on the pipeline suite's step (inputs and outputs cross PCIe every call, as in generate()).
{
  const file = await unetFile(SMALL.size);
  const createdAt = performance.now();
  const onCuda = await ort.InferenceSession.create(file, sessionOptions(options, cuda));
  const createMs = performance.now() - createdAt;
  const onCpu = await ort.InferenceSession.create(file, sessionOptions(options, cpu));
  const r = await steps({ cpu: onCpu, cuda: onCuda }, unetFeeds(SMALL.resolution, SMALL.frames));
  const setting = `demo 128x4 UNet, CFG batch 2, ${SMALL.frames} frames at ${SMALL.resolution} px`;
  figures.push(
    figure({
      name: "UNet step, CPU",
      value: r.cpu!,
      unit: "ms",
      target: null,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "UNet step, CUDA",
      value: r.cuda!,
      unit: "ms",
      target: null,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "UNet step, CUDA / CPU",
      value: r.cuda! / r.cpu!,
      unit: "x",
      target: null,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "UNet session create, CUDA (no cache)",
      value: createMs,
      unit: "ms",
      target: null,
      better: "lower",
      how: how(`${setting}; one create`),
    }),
  );
  await Promise.all([onCuda.release(), onCpu.release()]);
}

// fp16 against fp32 on CUDA, on a step heavy enough that the convolutions dominate.
{
  const bytes = await readFile(await unetFile(LARGE.size));
  const fp32 = await ort.InferenceSession.create(bytes, sessionOptions(options, cuda));
  const fp16 = await ort.InferenceSession.create(convsToFp16(bytes), sessionOptions(options, cuda));
  const r = await steps({ fp32, fp16 }, unetFeeds(LARGE.resolution, LARGE.frames));
  const setting = `demo ${LARGE.size.width}x${LARGE.size.depth} UNet, CFG batch 2, ${LARGE.frames} frames at ${LARGE.resolution} px; fp16 = Conv weights and math in fp16, Casts at each Conv`;
  figures.push(
    figure({
      name: "UNet step, CUDA fp32",
      value: r.fp32!,
      unit: "ms",
      target: null,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "UNet step, CUDA fp16",
      value: r.fp16!,
      unit: "ms",
      target: null,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "UNet step, CUDA fp16 / fp32",
      value: r.fp16! / r.fp32!,
      unit: "x",
      target: null,
      better: "lower",
      how: how(setting),
    }),
  );
  await Promise.all([fp32.release(), fp16.release()]);
}

// Model load on CUDA: optimized-model cache warm against the file-read floor and a cold create.
{
  const m = await measureLoad(LARGE.size, ROUNDS, { provider: options.provider });
  const setting = `demo ${LARGE.size.width}x${LARGE.size.depth}, LoadedModel.load minus warm-up, provider ${options.provider}`;
  figures.push(
    figure({
      name: "model load on CUDA (cache warm) / file-read floor",
      value: m.warmOverFloor,
      unit: "x",
      target: 1.5,
      better: "lower",
      how: how(setting),
    }),
    figure({
      name: "model load on CUDA, cache warm / cold",
      value: m.warmOverCold,
      unit: "x",
      target: null,
      better: "lower",
      how: how(setting),
    }),
  );
}

const out = DRY
  ? path.join(os.tmpdir(), "gpu-results.dry.json")
  : path.join(import.meta.dirname, "gpu-results.json");
const meta = {
  host: os.hostname(),
  cpus: os.availableParallelism(),
  ort: ort.env.versions.node,
  date: new Date().toISOString(),
};
await writeFile(out, `${JSON.stringify({ meta, figures }, null, 2)}\n`);
console.table(
  figures.map((f) => ({
    figure: f.name,
    value: `${Number(f.value.toPrecision(4))} ${f.unit}`,
    met: f.met ?? "-",
  })),
);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
