import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { cacheDir } from "../../runtime/src/config/model-dir.ts";
import { ensureDemoModel } from "../../runtime/src/demo-model/build.ts";
import { DEMO, type DemoSize, LATENT_CHANNELS } from "../../runtime/src/demo-model/constants.ts";
import { Mp4Writer } from "../../runtime/src/encode/mp4-writer.ts";
import { type FrameSink, MemorySink } from "../../runtime/src/pipeline/frame-sink.ts";
import { type GenerateResult, generate } from "../../runtime/src/pipeline/generate.ts";
import { LoadedModel } from "../../runtime/src/pipeline/model.ts";
import { resolveParams } from "../../runtime/src/pipeline/params.ts";
import { type BenchSuite, figure } from "../types.ts";

/**
 * Pipeline overhead: the wall time of `generate()` (the function the inference worker runs, with
 * frames kept in memory) against the time spent inside ONNX Runtime, side by side in one run.
 *
 * The demo model is sized so one UNet step (CFG batch 2) takes 100-200 ms on a quiet 2-core CPU
 * (the 50-200 ms band; 128x4 measured 39 ms once the host was quiet, below it), and the resolution is 128 px so that its latent
 * (51 x 8 x 32 x 32 = 418k values) is about the size of I2VGen-XL's at 512 px x 16 frames
 * (4 x 16 x 64 x 64 = 262k): the JavaScript work per step grows with the latent, the UNet's with the
 * model, and the demo's lossless latent holds ~50x more values per pixel than a real VAE's.
 */
const SIZE: DemoSize = { width: 256, depth: 4 };
const REQUEST = {
  prompt: "pan left",
  preset: "quick",
  resolution: 128,
  seed: 1,
} as const;

export const suite: BenchSuite = {
  name: "pipeline",
  async run({ quick, log }) {
    const dir = await ensureDemoModel(cacheDir(), SIZE);
    const model = await LoadedModel.load(dir);
    const image = await readFile(path.resolve(import.meta.dirname, "../../test/fixtures/astronaut.png"));
    const params = resolveParams(REQUEST, {
      negative_prompt: model.manifest.defaults.negative_prompt,
      scheduler: model.manifest.scheduler.default,
    });
    const setting = `demo ${SIZE.width}x${SIZE.depth}, quick preset at ${params.resolution} px (${params.num_frames} frames, ${params.num_inference_steps} steps, guidance ${params.guidance_scale})`;
    try {
      const once = async (sink: FrameSink = new MemorySink()) => {
        const started = performance.now();
        const result = await generate(model.sessions, model.tokenizer, params, image, sink);
        return { wall: performance.now() - started, result };
      };
      await once(); // warm-up: first-run allocations and kernel selection
      const runs: Array<{ wall: number; result: GenerateResult }> = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        runs.push(await once());
        const { wall, result } = runs.at(-1)!;
        log(`run ${i + 1}: ${describe(wall, result)}`);
      }
      const median = runs.sort((a, b) => a.wall / a.result.ortMs - b.wall / b.result.ortMs)[
        Math.floor(runs.length / 2)
      ]!;
      const unet = median.result.ortBySession.unet!;
      const stepMs = unet.ms / unet.calls;

      // Encode share: the same job with the real MP4 writer.
      const out = path.join(cacheDir(), "bench", "pipeline.mp4");
      await mkdir(path.dirname(out), { recursive: true });
      const encoded = await once(new Mp4Writer(out));
      log(`with MP4: ${describe(encoded.wall, encoded.result)}`);

      const cfg = await cfgBatching(model, params.resolution, params.num_frames, quick ? 3 : 7);
      log(`UNet batch 2: ${cfg.batched.toFixed(1)} ms; two batch-1 calls: ${cfg.separate.toFixed(1)} ms`);

      const how = `npm run bench -- --only=pipeline (${setting}; generate() in-process with a MemorySink, warm-up then median of ${runs.length})`;
      return [
        figure({
          name: "pipeline overhead (wall / ORT time)",
          value: median.wall / median.result.ortMs,
          unit: "x",
          target: 1.03,
          better: "lower",
          how,
        }),
        figure({
          name: "demo UNet step (CFG batch 2)",
          value: stepMs,
          unit: "ms",
          target: null,
          better: "lower",
          how,
        }),
        figure({
          name: "MP4 encode share of job time",
          value: (100 * encoded.result.timings.encode) / encoded.wall,
          unit: "%",
          target: null,
          better: "lower",
          how: `${how}; one extra run writing the MP4 (H.264 crf 18 veryfast) through Mp4Writer`,
        }),
        figure({
          name: "CFG batched UNet call / two batch-1 calls",
          value: cfg.batched / cfg.separate,
          unit: "x",
          target: null,
          better: "lower",
          how: `${how}; UNet session alone, median of ${cfg.rounds} alternating rounds`,
        }),
      ];
    } finally {
      await model.release();
    }
  },
};

function describe(wall: number, r: GenerateResult): string {
  const t = r.timings;
  const unet = r.ortBySession.unet!;
  const outsideOrt = wall - r.ortMs;
  return (
    `wall ${wall.toFixed(0)} ms, ORT ${r.ortMs.toFixed(0)} ms (ratio ${(wall / r.ortMs).toFixed(3)}); ` +
    `UNet ${(unet.ms / unet.calls).toFixed(1)} ms/step; outside ORT ${outsideOrt.toFixed(0)} ms: ` +
    `preprocess ${t.preprocess.toFixed(0)}, denoise-non-UNet ${(t.denoise - unet.ms).toFixed(0)}, ` +
    `encode ${t.encode.toFixed(0)}`
  );
}

/** One batch-2 UNet call against two batch-1 calls on the same session, alternating, medians. */
async function cfgBatching(model: LoadedModel, resolution: number, frames: number, rounds: number) {
  const io = model.sessions.io.unet;
  const side = resolution / model.manifest.latent.vae_scale_factor;
  const feeds = (batch: number): Record<string, ort.Tensor> => {
    const latent = batch * LATENT_CHANNELS * frames * side * side;
    const dims = [batch, LATENT_CHANNELS, frames, side, side];
    return {
      [io.inputs.sample!.name]: new ort.Tensor("float32", new Float32Array(latent).fill(0.1), dims),
      [io.inputs.image_latents!.name]: new ort.Tensor("float32", new Float32Array(latent).fill(0.2), dims),
      [io.inputs.timestep!.name]: new ort.Tensor("int64", BigInt64Array.from([500n]), [1]),
      [io.inputs.fps!.name]: new ort.Tensor("int64", new BigInt64Array(batch).fill(8n), [batch]),
      [io.inputs.encoder_hidden_states!.name]: new ort.Tensor(
        "float32",
        new Float32Array(batch * DEMO.maxLength * DEMO.textDim),
        [batch, DEMO.maxLength, DEMO.textDim],
      ),
      [io.inputs.image_embeddings!.name]: new ort.Tensor(
        "float32",
        new Float32Array(batch * DEMO.imageEmbedDim),
        [batch, DEMO.imageEmbedDim],
      ),
    };
  };
  const [two, one] = [feeds(2), feeds(1)];
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  await model.sessions.run("unet", two);
  await model.sessions.run("unet", one);
  const batched: number[] = [];
  const separate: number[] = [];
  for (let i = 0; i < rounds; i++) {
    batched.push(await time(() => model.sessions.run("unet", two)));
    separate.push(
      await time(async () => {
        await model.sessions.run("unet", one);
        await model.sessions.run("unet", one);
      }),
    );
  }
  return { batched: median(batched), separate: median(separate), rounds };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
