import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import * as ort from "onnxruntime-node";
import { I2vError } from "../errors.ts";
import { generateWan } from "./families/wan/generate.ts";
import type { FrameSink } from "./frame-sink.ts";
import type { GenerateHooks, GenerateResult, Stage } from "./generation.ts";
import { STAGES } from "./generation.ts";
import { DEFAULT_IMAGE_LIMITS, prepareImage } from "./image-input.ts";
import { LatentUpdater } from "./latent-update.ts";
import type { I2vgenManifest } from "./manifest.ts";
import type { GenerateParams } from "./params.ts";
import { fillNormal } from "./random.ts";
import { createScheduler } from "./schedulers/index.ts";
import { type ModelSessions, RunClock } from "./sessions.ts";
import { dimsOf, idsTensor, numberTensor, repeatBatch, rgbToNormalized, rgbToSigned } from "./tensors.ts";
import type { PromptTokenizer } from "./tokenize.ts";

export { type GenerateHooks, type GenerateResult, type Progress, STAGES, type Stage } from "./generation.ts";

/**
 * One image-to-video generation through the model's sessions, by the manifest's family: Wan's
 * pipeline lives in families/wan/; I2VGen-XL's (and the demo model's) is below.
 */
export async function generate(
  sessions: ModelSessions,
  tokenizer: PromptTokenizer,
  params: GenerateParams,
  imageBytes: Uint8Array,
  sink: FrameSink,
  hooks: GenerateHooks = {},
): Promise<GenerateResult> {
  const { manifest } = sessions.loaded;
  if (manifest.family === "wan")
    return generateWan(sessions, manifest, tokenizer, params, imageBytes, sink, hooks);
  return generateI2vgen(sessions, manifest, tokenizer, params, imageBytes, sink, hooks);
}

/**
 * I2VGen-XL (and the demo model). Runs where the sessions live (the inference worker). Per step:
 * one UNet call with guidance batched, then one fused pass for guidance and the scheduler step
 * (LatentUpdater).
 */
async function generateI2vgen(
  sessions: ModelSessions,
  manifest: I2vgenManifest,
  tokenizer: PromptTokenizer,
  params: GenerateParams,
  imageBytes: Uint8Array,
  sink: FrameSink,
  hooks: GenerateHooks,
): Promise<GenerateResult> {
  const clock = new RunClock();
  const timings = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampleMemory = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  let stageStart = performance.now();
  const endStage = (stage: Stage) => {
    const now = performance.now();
    timings[stage] += now - stageStart;
    stageStart = now;
    sampleMemory();
  };
  const checkAborted = () => {
    const reason = hooks.signal?.reason;
    if (!hooks.signal?.aborted) return;
    throw reason instanceof I2vError ? reason : new I2vError("canceled", "The job was canceled.");
  };

  const trace = hooks.onTensor ?? (() => undefined);
  const guided = params.guidance_scale > 1;
  const copies = guided ? 2 : 1;
  const F = params.num_frames;

  // Preprocess: decode and resize the image, tokenize the prompts.
  const image = await prepareImage(
    imageBytes,
    params.resolution,
    manifest.latent.size_multiple,
    manifest.image_encoder.size,
    hooks.imageLimits ?? DEFAULT_IMAGE_LIMITS,
  );
  const prompts = guided ? [params.negative_prompt, params.prompt] : [params.prompt];
  const ids = prompts.map((p) => tokenizer.encode(p));
  const scheduler = createScheduler(params.scheduler, manifest.scheduler.config, params.num_inference_steps);
  endStage("preprocess");
  try {
    hooks.onProgress?.({ stage: "text_encode", step: 0, steps: params.num_inference_steps });
    const textIO = sessions.io.text_encoder;
    const text = await sessions.run(
      "text_encoder",
      { [textIO.inputs.input_ids!.name]: idsTensor(textIO.inputs.input_ids!, ids) },
      clock,
    );
    const hidden = text[textIO.outputs.hidden_states!.name]!;
    trace("text_hidden", hidden.data as Float32Array, dimsOf(hidden));
    endStage("text_encode");

    const imageIO = sessions.io.image_encoder;
    const { size, mean, std } = manifest.image_encoder;
    const clipPixels = rgbToNormalized(image.encoderRgb, size, mean, std);
    trace("clip_pixels", clipPixels, [1, 3, size, size]);
    const pixels = new ort.Tensor("float32", clipPixels, [1, 3, size, size]);
    const embeds = (
      await sessions.run("image_encoder", { [imageIO.inputs.pixel_values!.name]: pixels }, clock)
    )[imageIO.outputs.image_embeds!.name]!;
    const embedDims = dimsOf(embeds);
    const embedData = embeds.data as Float32Array;
    // The negative image embedding is zeros (I2VGen-XL), placed first like the negative prompt.
    const imageEmbeddings = new Float32Array(embedData.length * copies);
    imageEmbeddings.set(embedData, (copies - 1) * embedData.length);
    const unetIO = sessions.io.unet;
    const embedRank = unetIO.inputs.image_embeddings!.shape.length;
    const embedShape =
      embedRank === 3 && embedDims.length === 2
        ? [copies, 1, embedDims[1]!]
        : [copies, ...embedDims.slice(1)];
    trace("image_embeds", imageEmbeddings, embedShape);
    endStage("image_encode");

    const vaeIO = sessions.io.vae_encoder;
    const vaePixels = rgbToSigned(image.rgb, image.width, image.height);
    trace("vae_input", vaePixels, [1, 3, image.height, image.width]);
    const vaeInput = new ort.Tensor("float32", vaePixels, [1, 3, image.height, image.width]);
    const latent = (await sessions.run("vae_encoder", { [vaeIO.inputs.sample!.name]: vaeInput }, clock))[
      vaeIO.outputs.latent!.name
    ]!;
    const [, C, h, w] = dimsOf(latent) as [number, number, number, number];
    const imageLatents = frameConditioning(
      latent.data as Float32Array,
      manifest.latent.scaling_factor,
      manifest.latent.frame_conditioning,
      C,
      F,
      h * w,
    );
    endStage("vae_encode");

    // Denoise: UNet (guidance batched into one call) then the latent update graph, per step.
    const batchedDims = [copies, C, F, h, w];
    const updater = new LatentUpdater(
      initialNoise(hooks.initLatents, [C, F, h, w], params.seed, scheduler.initNoiseSigma),
      copies,
    );
    trace("image_latents", imageLatents, [1, C, F, h, w]);
    const constantFeeds = {
      [unetIO.inputs.encoder_hidden_states!.name]: hidden,
      [unetIO.inputs.fps!.name]: numberTensor(unetIO.inputs.fps!, new Array(copies).fill(params.target_fps)),
      [unetIO.inputs.image_latents!.name]: new ort.Tensor(
        "float32",
        repeatBatch(imageLatents, copies),
        batchedDims,
      ),
      [unetIO.inputs.image_embeddings!.name]: new ort.Tensor("float32", imageEmbeddings, embedShape),
    };
    const sampleTensor = new ort.Tensor("float32", updater.modelInput, batchedDims);
    const steps = scheduler.timesteps.length;
    for (let i = 0; i < steps; i++) {
      checkAborted();
      const out = await sessions.run(
        "unet",
        {
          ...constantFeeds,
          [unetIO.inputs.sample!.name]: sampleTensor,
          [unetIO.inputs.timestep!.name]: numberTensor(unetIO.inputs.timestep!, [scheduler.timesteps[i]!]),
        },
        clock,
      );
      const modelOutput = out[unetIO.outputs.model_output!.name]!.data as Float32Array;
      trace(`unet_${i}`, modelOutput, batchedDims);
      updater.step(modelOutput, scheduler.linearStep(i), params.guidance_scale);
      sampleMemory();
      hooks.onProgress?.({ stage: "denoise", step: i + 1, steps });
      // Let the worker's event loop deliver a cancel message between steps.
      await yieldToEventLoop();
    }
    const sample = updater.sample;
    trace("latents_final", sample, [1, C, F, h, w]);
    endStage("denoise");

    // Decode in chunks of frames (bounded memory), streaming each chunk to the encoder.
    await sink.start({ width: image.width, height: image.height, fps: params.target_fps, frames: F });
    const decIO = sessions.io.vae_decoder;
    const chunk = Math.max(1, Math.min(params.decode_chunk_size, F));
    let encodeMs = 0;
    for (let f0 = 0; f0 < F; f0 += chunk) {
      checkAborted();
      const n = Math.min(chunk, F - f0);
      const framesLatent = framesOf(sample, C, F, h * w, f0, n, 1 / manifest.latent.scaling_factor);
      const decoded = (
        await sessions.run(
          "vae_decoder",
          { [decIO.inputs.latent!.name]: new ort.Tensor("float32", framesLatent, [n, C, h, w]) },
          clock,
        )
      )[decIO.outputs.sample!.name]!;
      trace(`decoded_${f0}`, decoded.data as Float32Array, dimsOf(decoded));
      const rgb = (await sessions.run("frames_to_rgb", { images: decoded }, clock)).rgb!;
      const writeStart = performance.now();
      await sink.write(rgb.data as Uint8Array, n);
      encodeMs += performance.now() - writeStart;
      hooks.onProgress?.({ stage: "vae_decode", step: f0 + n, steps: F });
    }
    endStage("vae_decode");
    timings.vae_decode -= encodeMs;
    hooks.onProgress?.({ stage: "encode", step: 0, steps: 1 });
    await sink.finish();
    endStage("encode");
    timings.encode += encodeMs;
  } catch (error) {
    await sink.abort(error as Error).catch(() => undefined);
    throw error;
  }
  const ortBySession = Object.fromEntries(
    [...clock.ms].map(([name, ms]) => [name, { ms, calls: clock.calls.get(name) ?? 0 }]),
  );
  return {
    width: image.width,
    height: image.height,
    frames: F,
    fps: params.target_fps,
    seed: params.seed,
    timings,
    ortMs: clock.total(),
    ortBySession,
    peakRssMb: peakRss / 2 ** 20,
    startRssMb: startRss / 2 ** 20,
  };
}

/** The caller's initial noise (checked against the latent shape) or the seed's, times init_noise_sigma. */
function initialNoise(
  given: Float32Array | undefined,
  dims: number[],
  seed: number,
  sigma: number,
): Float32Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (!given) return fillNormal(new Float32Array(size), seed, sigma);
  if (given.length !== size) {
    throw new I2vError(
      "invalid_parameters",
      `The initial latents have ${given.length} values; this request needs [1, ${dims.join(", ")}] = ${size}.`,
    );
  }
  return given.map((v) => v * sigma);
}

/**
 * image_latents [1, C, F, h, w] from the encoded first frame, scaled by the VAE's scaling factor.
 * I2VGen-XL: frame 0 is the image latent, frame k >= 1 is a constant plane k/(F-1).
 */
function frameConditioning(
  latent: Float32Array,
  scaling: number,
  mode: "first_frame_then_position_planes" | "repeat",
  C: number,
  F: number,
  plane: number,
): Float32Array {
  const out = new Float32Array(C * F * plane);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      const dst = (c * F + f) * plane;
      if (f === 0 || mode === "repeat") {
        for (let p = 0; p < plane; p++) out[dst + p] = (latent[c * plane + p] as number) * scaling;
      } else {
        out.fill(f / (F - 1), dst, dst + plane);
      }
    }
  }
  return out;
}

/** Frames f0..f0+n of latents [1, C, F, h, w] as [n, C, h, w], times `scale`. */
function framesOf(
  latents: Float32Array,
  C: number,
  F: number,
  plane: number,
  f0: number,
  n: number,
  scale: number,
): Float32Array {
  const out = new Float32Array(n * C * plane);
  for (let j = 0; j < n; j++) {
    for (let c = 0; c < C; c++) {
      const src = (c * F + f0 + j) * plane;
      const dst = (j * C + c) * plane;
      for (let p = 0; p < plane; p++) out[dst + p] = (latents[src + p] as number) * scale;
    }
  }
  return out;
}
