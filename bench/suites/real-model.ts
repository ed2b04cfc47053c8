import { open, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import * as ort from "onnxruntime-node";
import { MemorySink } from "../../runtime/src/pipeline/frame-sink.ts";
import { generate } from "../../runtime/src/pipeline/generate.ts";
import { LoadedModel } from "../../runtime/src/pipeline/model.ts";
import { resolveParams } from "../../runtime/src/pipeline/params.ts";
import { chooseProvider } from "../../runtime/src/pipeline/providers.ts";
import { runtimeOptionsSchema } from "../../runtime/src/pipeline/runtime-options.ts";
import { createSession } from "../../runtime/src/pipeline/sessions.ts";
import { buildParity, CASES, caseNoise, HERE } from "../../runtime/test/real-model/parity/harness.ts";
import { type BenchSuite, figure } from "../types.ts";

// I2VGen-XL against diffusers (not CI). Part 1, always: our pipeline vs diffusers' I2VGenXLPipeline
// on the parity suite's tiny model and its first case (same request, same noise, both warm, CPU),
// and the export time. Part 2, with I2V_BENCH_FULL_UNET=DIR (a folder holding unet/model.fp32.onnx
// from bench/real-model/full_size_unet.py): the full-size UNet through the runtime's session code,
// cold and cached load against reading its files, RSS, one CPU step.
const REPEATS = 3;

export const suite: BenchSuite = {
  name: "real-model",
  async run({ log }) {
    const built = await buildParity(log);
    const c = CASES[0]!;
    const model = await LoadedModel.load(built.exportDir, { provider: "cpu" });
    const image = await readFile(path.join(built.caseDir(c.name), "image.png"));
    const params = resolveParams(
      {
        prompt: c.prompt,
        negative_prompt: "",
        resolution: c.resolution,
        num_frames: c.frames,
        num_inference_steps: c.steps,
        guidance_scale: c.guidance,
        target_fps: c.fps,
        scheduler: c.scheduler,
        decode_chunk_size: c.frames,
        seed: 0,
      },
      { negative_prompt: "", scheduler: "ddim" },
    );
    const ours: number[] = [];
    for (let i = 0; i <= REPEATS; i++) {
      const t = performance.now();
      await generate(model.sessions, model.tokenizer, params, image, new MemorySink(), {
        initLatents: caseNoise(c).data,
      });
      if (i > 0) ours.push((performance.now() - t) / 1000);
    }
    await model.release();
    const reference = JSON.parse(
      (
        await execa(
          built.python,
          [
            path.join(HERE, "tiny_i2vgen.py"),
            "time",
            "--model",
            built.modelDir,
            "--cases",
            path.join(path.dirname(built.modelDir), "cases.json"),
            "--repeats",
            String(REPEATS),
          ],
          { env: { PYTHONWARNINGS: "ignore" } },
        )
      ).stdout
        .trim()
        .split("\n")
        .pop() as string,
    ) as { seconds: number };
    const oursMedian = ours.sort((a, b) => a - b)[Math.floor(ours.length / 2)] as number;
    log(`ours ${oursMedian.toFixed(3)} s, diffusers ${reference.seconds.toFixed(3)} s`);
    const report = JSON.parse(await readFile(path.join(built.exportDir, "export-report.json"), "utf8")) as {
      seconds: number;
    };
    const figures = [
      figure({
        name: "tiny I2VGen-XL: our pipeline / diffusers wall time",
        value: oursMedian / reference.seconds,
        unit: "x",
        target: 0.7,
        better: "lower",
        how: `parity case ${c.name} (64x64, 4 frames, ${c.steps} DDIM steps, guidance ${c.guidance}), CPU, median of ${REPEATS} warm runs each`,
      }),
      figure({
        name: "tiny I2VGen-XL export time",
        value: report.seconds,
        unit: "s",
        target: null,
        better: "lower",
        how: "npm run export-model -- --no-fp16 on the parity model (export-report.json seconds)",
      }),
    ];
    const fullDir = process.env.I2V_BENCH_FULL_UNET;
    if (fullDir) figures.push(...(await fullUnet(fullDir, log)));
    return figures;
  },
};

async function fullUnet(dir: string, log: (line: string) => void) {
  const file = path.join(dir, "unet", "model.fp32.onnx");
  const data = `${file}.data`;
  const bytes = (await stat(file)).size + (await stat(data)).size;
  // The floor: reading the files once, as a load must.
  let t = performance.now();
  const buffer = Buffer.alloc(64 << 20);
  const handle = await open(data, "r");
  while ((await handle.read(buffer, 0, buffer.length)).bytesRead > 0);
  await handle.close();
  const floor = (performance.now() - t) / 1000;
  const options = runtimeOptionsSchema.parse({ optimizedModelCacheDir: path.join(dir, "ort-cache") });
  const provider = await chooseProvider(options);
  t = performance.now();
  const first = await createSession(file, options, provider);
  const cold = (performance.now() - t) / 1000;
  await first.release();
  t = performance.now();
  const session = await createSession(file, options, provider);
  const warm = (performance.now() - t) / 1000;
  const rss = process.memoryUsage().rss / 2 ** 20;
  const [h, w, frames] = [16, 24, 4];
  const n = 2 * 4 * frames * h * w;
  const feeds = {
    sample: new ort.Tensor("float32", new Float32Array(n).fill(0.1), [2, 4, frames, h, w]),
    timestep: new ort.Tensor("int64", BigInt64Array.from([501n]), [1]),
    encoder_hidden_states: new ort.Tensor(
      "float32",
      new Float32Array(2 * 77 * 1024).fill(0.01),
      [2, 77, 1024],
    ),
    fps: new ort.Tensor("int64", BigInt64Array.from([16n, 16n]), [2]),
    image_latents: new ort.Tensor("float32", new Float32Array(n).fill(0.1), [2, 4, frames, h, w]),
    image_embeddings: new ort.Tensor("float32", new Float32Array(2 * 1024).fill(0.01), [2, 1, 1024]),
  };
  t = performance.now();
  await session.run(feeds);
  const step = (performance.now() - t) / 1000;
  const peak = process.memoryUsage().rss / 2 ** 20;
  await session.release();
  log(
    `full UNet ${(bytes / 2 ** 30).toFixed(2)} GiB: read ${floor.toFixed(1)} s, cold ${cold.toFixed(1)} s, cached ${warm.toFixed(1)} s, rss ${rss.toFixed(0)} MiB, step ${step.toFixed(1)} s, peak ${peak.toFixed(0)} MiB`,
  );
  return [
    figure({
      name: "full-size UNet: cached load / file-read floor",
      value: warm / floor,
      unit: "x",
      target: null,
      better: "lower",
      how: `fp32 UNet ${(bytes / 2 ** 30).toFixed(2)} GiB, second start from the optimized-model cache vs reading model.fp32.onnx.data once`,
    }),
    figure({
      name: "full-size UNet: first (optimizing) load / cached load",
      value: cold / warm,
      unit: "x",
      target: null,
      better: "lower",
      how: "same session code, empty cache vs warm cache, one process",
    }),
    figure({
      name: "full-size UNet: one CPU step, batch 2 x 4 frames x 16x24 latent",
      value: step,
      unit: "s",
      target: null,
      better: "lower",
      how: "fp32 on 2 shared cores; informational",
    }),
    figure({
      name: "full-size UNet: peak RSS with one step",
      value: peak,
      unit: "MiB",
      target: null,
      better: "lower",
      how: "process RSS after the step",
    }),
  ];
}
