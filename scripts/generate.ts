import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import { resolveModelDir } from "../runtime/src/config/model-dir.ts";
import { InferenceEngine } from "../runtime/src/engine/engine.ts";
import { presetsFor } from "../runtime/src/pipeline/family.ts";
import { STAGES } from "../runtime/src/pipeline/generate.ts";
import { loadManifest } from "../runtime/src/pipeline/manifest.ts";
import { readNpyFloat32 } from "../runtime/src/pipeline/npy.ts";
import { resolveParams } from "../runtime/src/pipeline/params.ts";
import { PRESET_NAMES } from "../runtime/src/pipeline/presets.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("generate")
  .description("Turn one image into a short MP4 without a server.")
  .requiredOption("--image <file>", "input photo (PNG, JPEG or WebP)")
  .option(
    "--prompt <text>",
    "what should happen (the demo model understands pan left/right/up/down, zoom in/out)",
    "",
  )
  .option("--negative-prompt <text>", "what to steer away from")
  .option("--preset <name>", `one of ${PRESET_NAMES.join(", ")}`, "quick")
  .option("--seed <n>", "random seed (same seed, same video)", (v) => Number(v))
  .option("--steps <n>", "denoising steps (overrides the preset)", (v) => Number(v))
  .option("--frames <n>", "number of frames (overrides the preset)", (v) => Number(v))
  .option("--guidance <g>", "guidance scale (overrides the preset)", (v) => Number(v))
  .option(
    "--guidance-2 <g>",
    "guidance of the second (low-noise) expert of a two-expert model (Wan 2.2 A14B; default: --guidance)",
    (v) => Number(v),
  )
  .option("--height <px>", "output height (with --width; Wan: a multiple of 16)", (v) => Number(v))
  .option("--width <px>", "output width (with --height; Wan: a multiple of 16)", (v) => Number(v))
  .option("--fps <n>", "frames per second (overrides the preset)", (v) => Number(v))
  .option("--resolution <px>", "short side in pixels (overrides the preset)", (v) => Number(v))
  .option("--scheduler <name>", "ddim or dpmpp-2m (default: the model's)")
  .option("--out <file>", "output MP4", "out.mp4")
  .option(
    "--model <dir|ref>",
    "model folder or REPO@REVISION in the cache (default: the built-in demo model)",
  )
  .option("--provider <name>", "cpu, cuda or tensorrt", "cpu")
  .option(
    "--init-latents <file.npy>",
    "initial noise as diffusers' `latents` (scaled by init_noise_sigma), float32: I2VGen-XL [1, 4, F, H/8, W/8], Wan [1, z, (F-1)/4+1, H/8, W/8]; replaces the seed's",
  )
  .option(
    "--frames-dir <dir>",
    "also write every frame as a lossless PNG (frame_0000.png, ...) into this folder",
  );

await runCli(async () => {
  const opts = program.parse().opts();
  const started = performance.now();
  const modelDir = await resolveModelDir(opts.model);
  const engine = await InferenceEngine.start(modelDir, { provider: opts.provider });
  const startMs = performance.now() - started;
  try {
    const info = engine.info!;
    // The model family's presets (Wan's 480p/720p under the same names).
    const { manifest } = await loadManifest(modelDir);
    const params = resolveParams(
      {
        prompt: opts.prompt,
        ...(opts.negativePrompt !== undefined ? { negative_prompt: opts.negativePrompt } : {}),
        preset: opts.preset,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.steps !== undefined ? { num_inference_steps: opts.steps } : {}),
        ...(opts.frames !== undefined ? { num_frames: opts.frames } : {}),
        ...(opts.guidance !== undefined ? { guidance_scale: opts.guidance } : {}),
        ...(opts.guidance2 !== undefined ? { guidance_scale_2: opts.guidance2 } : {}),
        ...(opts.height !== undefined ? { height: opts.height } : {}),
        ...(opts.width !== undefined ? { width: opts.width } : {}),
        ...(opts.fps !== undefined ? { target_fps: opts.fps } : {}),
        ...(opts.resolution !== undefined ? { resolution: opts.resolution } : {}),
        ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}),
      },
      info.defaults,
      presetsFor(manifest),
    );
    const image = await readImage(opts.image);
    const out = path.resolve(opts.out);
    await mkdir(path.dirname(out), { recursive: true });
    console.log(
      `model ${info.name} (${info.variant}, ${info.provider}) loaded in ${ms(info.loadMs + info.warmupMs)}`,
    );
    let lastStep = -1;
    const extras = {
      ...(opts.initLatents ? { initLatents: (await readNpyFloat32(opts.initLatents)).data } : {}),
      ...(opts.framesDir ? { framesDir: path.resolve(opts.framesDir) } : {}),
    };
    const generationStarted = performance.now();
    const result = await engine.generate(
      "cli",
      params,
      image,
      out,
      (p) => {
        if (p.stage === "denoise" && p.step !== lastStep && (p.step % 5 === 0 || p.step === p.steps)) {
          lastStep = p.step;
          console.log(`  denoise ${p.step}/${p.steps}`);
        }
      },
      undefined,
      extras,
    );
    console.log(
      `wrote ${path.relative(process.cwd(), out)}: ${result.width}x${result.height}, ${result.frames} frames at ${result.fps} fps, seed ${result.seed}`,
    );
    const generationMs = performance.now() - generationStarted;
    const totalMs = performance.now() - started;
    // The stages run one after another inside the generation; the total also holds the engine's
    // start (worker, model load, warm-up). Printed as a sum, so that the figures visibly add up.
    const stageSum = STAGES.reduce((sum, s) => sum + result.timings[s], 0);
    console.log(
      `stages: ${STAGES.map((s) => `${s} ${ms(result.timings[s])}`).join(", ")} (sum ${ms(stageSum)})`,
    );
    console.log(
      `total ${ms(totalMs)} (inference ${ms(result.ortMs)}, peak memory ${Math.round(result.peakRssMb)} MiB)`,
    );
    console.log(
      `  = engine start and model load ${ms(startMs)} + generation ${ms(generationMs)} (the stages and ` +
        `handing frames between threads) + reading and setup ${ms(totalMs - startMs - generationMs)}; ` +
        `inference is ONNX Runtime's share of the stages`,
    );
  } finally {
    await engine.close();
  }
});

async function readImage(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw Object.assign(
      new Error(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`),
      {
        hint: "Pass an existing image file with --image.",
      },
    );
  }
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}
