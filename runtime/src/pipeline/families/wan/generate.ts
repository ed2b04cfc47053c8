import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import * as ort from "onnxruntime-node";
import { I2vError } from "../../../errors.ts";
import type { FrameSink } from "../../frame-sink.ts";
import { type GenerateHooks, type GenerateResult, StageTimer, throwIfAborted } from "../../generation.ts";
import { DEFAULT_IMAGE_LIMITS, decodeImage } from "../../image-input.ts";
import type { GenerateParams } from "../../params.ts";
import { fillNormal } from "../../random.ts";
import { createScheduler } from "../../schedulers/index.ts";
import { type ModelSessions, RunClock } from "../../sessions.ts";
import { dimsOf } from "../../tensors.ts";
import type { PromptTokenizer } from "../../tokenize.ts";
import { conditionLatents, denormalize } from "./latents.ts";
import type { WanManifest } from "./manifest.ts";
import { clipPixels, vaeImage } from "./preprocess.ts";
import { areaSize, wanSize } from "./sizes.ts";

/**
 * Wan 2.1 / 2.2 image-to-video, step for step as diffusers' WanImageToVideoPipeline (0.42):
 * UMT5 prompt embeddings (zero past each prompt's length), CLIP hidden_states[-2] image tokens
 * (2.1), the VAE condition (first frame then zero frames, the latent mode normalized with
 * latents_mean/std, behind a 4-channel first-frame mask), then per timestep the expert for t
 * (transformer for t >= boundary_ratio * num_train_timesteps, transformer_2 below, each with its own
 * guidance), classifier-free guidance as uncond + g (cond - uncond) with both branches in one batch,
 * the scheduler step, and the whole-clip VAE decode of the denormalized latents.
 */
export async function generateWan(
  sessions: ModelSessions,
  manifest: WanManifest,
  tokenizer: PromptTokenizer,
  params: GenerateParams,
  imageBytes: Uint8Array,
  sink: FrameSink,
  hooks: GenerateHooks,
): Promise<GenerateResult> {
  const clock = new RunClock();
  const timer = new StageTimer();
  const trace = hooks.onTensor ?? (() => undefined);
  const { decoded, source } = await decodeImage(imageBytes, hooks.imageLimits ?? DEFAULT_IMAGE_LIMITS);
  const size = wanSize(manifest, {
    ...(params.width !== undefined && params.height !== undefined
      ? { width: params.width, height: params.height }
      : areaSize(source, params.resolution, manifest.latent.size_multiple)),
    frames: params.num_frames,
  });
  const { width: W, height: H, frames: F, latentFrames: T, latentHeight: h, latentWidth: w } = size;
  const Z = manifest.latent.channels;
  // diffusers: do_classifier_free_guidance is guidance_scale > 1 (the first expert's scale) for the
  // whole run; guidance_scale_2 defaults to guidance_scale when the model has two experts.
  const guided = params.guidance_scale > 1;
  const copies = guided ? 2 : 1;
  const guidance2 = params.guidance_scale_2 ?? params.guidance_scale;
  if (params.scheduler !== "unipc" && params.scheduler !== "flow-match-euler") {
    throw new I2vError(
      "invalid_parameters",
      `Wan is a flow-matching model: scheduler ${params.scheduler} does not apply; leave it out (the model's ${manifest.scheduler.default}) or use unipc or flow-match-euler.`,
    );
  }
  const scheduler = createScheduler(params.scheduler, manifest.scheduler.config, params.num_inference_steps);
  const prompts = guided ? [params.prompt, params.negative_prompt] : [params.prompt];
  const tokens = prompts.map((p) => tokenizer.encodeMasked(p)); // prompt_clean inside (Wan tokenizer)
  const vaePixels = vaeImage(decoded, W, H);
  const clip = manifest.image_encoder ? clipPixels(decoded, manifest.image_encoder) : undefined;
  timer.end("preprocess");
  try {
    // Text: [cond, uncond] in one batch.
    hooks.onProgress?.({ stage: "text_encode", step: 0, steps: params.num_inference_steps });
    const L = tokens[0]!.ids.length;
    const idsOf = (pick: "ids" | "mask") => {
      const out = new BigInt64Array(copies * L);
      for (const [i, t] of tokens.entries()) out.set(t[pick], i * L);
      return new ort.Tensor("int64", out, [copies, L]);
    };
    const textIO = sessions.io.text_encoder;
    const text = (
      await sessions.run(
        "text_encoder",
        {
          [textIO.inputs.input_ids!.name]: idsOf("ids"),
          [textIO.inputs.attention_mask!.name]: idsOf("mask"),
        },
        clock,
      )
    )[textIO.outputs.hidden_states!.name]!;
    const textData = text.data as Float32Array;
    const textDims = dimsOf(text);
    const perPrompt = textData.length / copies;
    trace("prompt_embeds", textData.subarray(0, perPrompt), [1, ...textDims.slice(1)]);
    if (guided) trace("negative_prompt_embeds", textData.subarray(perPrompt), [1, ...textDims.slice(1)]);
    timer.end("text_encode");

    // Image tokens (Wan 2.1): CLIP's penultimate hidden states, the same for both branches.
    let imageTokens: ort.Tensor | undefined;
    if (clip && manifest.image_encoder) {
      const size = manifest.image_encoder.size;
      trace("clip_pixels", clip, [1, 3, size, size]);
      const imageIO = sessions.io.image_encoder;
      const embeds = (
        await sessions.run(
          "image_encoder",
          { [imageIO.inputs.pixel_values!.name]: new ort.Tensor("float32", clip, [1, 3, size, size]) },
          clock,
        )
      )[imageIO.outputs.image_embeds!.name]!;
      const dims = dimsOf(embeds);
      trace("image_embeds", embeds.data as Float32Array, dims);
      const one = embeds.data as Float32Array;
      const batched = new Float32Array(one.length * copies);
      for (let i = 0; i < copies; i++) batched.set(one, i * one.length);
      imageTokens = new ort.Tensor("float32", batched, [copies, ...dims.slice(1)]);
    }
    timer.end("image_encode");

    // VAE condition: the image as frame 0, zeros after, encoded as one clip.
    const plane = H * W;
    const video = new Float32Array(3 * F * plane);
    for (let c = 0; c < 3; c++) video.set(vaePixels.subarray(c * plane, (c + 1) * plane), c * F * plane);
    trace("vae_input", video, [1, 3, F, H, W]);
    const vaeIO = sessions.io.vae_encoder;
    const latent = (
      await sessions.run(
        "vae_encoder",
        { [vaeIO.inputs.sample!.name]: new ort.Tensor("float32", video, [1, 3, F, H, W]) },
        clock,
      )
    )[vaeIO.outputs.latent!.name]!;
    trace("vae_latent", latent.data as Float32Array, dimsOf(latent));
    const condition = conditionLatents(latent.data as Float32Array, manifest.latent, T, h * w);
    trace("condition", condition, [1, 4 + Z, T, h, w]);
    timer.end("vae_encode");

    // Denoise.
    const latentSize = Z * T * h * w;
    const latents = initialLatents(
      hooks.initLatents,
      latentSize,
      [1, Z, T, h, w],
      params.seed,
      scheduler.initNoiseSigma,
    );
    const conditionSize = condition.length;
    const perCopy = latentSize + conditionSize;
    // [latents, condition] on the channel axis, once per guidance branch.
    const modelInput = new Float32Array(perCopy * copies);
    for (let i = 0; i < copies; i++) modelInput.set(condition, i * perCopy + latentSize);
    const inputTensor = new ort.Tensor("float32", modelInput, [copies, Z + 4 + Z, T, h, w]);
    const guidedOutput = new Float32Array(latentSize);
    const boundary =
      manifest.experts.boundary_ratio === null
        ? null
        : manifest.experts.boundary_ratio * manifest.experts.num_train_timesteps;
    const steps = scheduler.timesteps.length;
    for (let i = 0; i < steps; i++) {
      throwIfAborted(hooks.signal);
      const t = scheduler.timesteps[i]!;
      const second = boundary !== null && t < boundary;
      const expert = second
        ? "transformer_2"
        : manifest.components.transformer
          ? "transformer"
          : "transformer_2";
      const scale = second ? guidance2 : params.guidance_scale;
      for (let c = 0; c < copies; c++) modelInput.set(latents, c * perCopy);
      const io = sessions.io[expert];
      const feeds: Record<string, ort.Tensor> = {
        [io.inputs.hidden_states!.name]: inputTensor,
        [io.inputs.timestep!.name]: new ort.Tensor("float32", new Float32Array(copies).fill(t), [copies]),
        [io.inputs.encoder_hidden_states!.name]: text,
      };
      if (imageTokens) feeds[io.inputs.encoder_hidden_states_image!.name] = imageTokens;
      const out = (await sessions.run(expert, feeds, clock))[io.outputs.model_output!.name]!
        .data as Float32Array;
      trace(`transformer_${i}`, out.subarray(0, latentSize), [1, Z, T, h, w]);
      if (guided) {
        for (let k = 0; k < latentSize; k++) {
          const cond = out[k] as number;
          const uncond = out[latentSize + k] as number;
          // float32 as torch: uncond + g * (cond - uncond)
          guidedOutput[k] = uncond + Math.fround(scale * Math.fround(cond - uncond));
        }
      } else {
        guidedOutput.set(out.subarray(0, latentSize));
      }
      scheduler.step(guidedOutput, i, latents);
      timer.sampleMemory();
      hooks.onProgress?.({ stage: "denoise", step: i + 1, steps });
      await yieldToEventLoop();
    }
    trace("latents_final", latents, [1, Z, T, h, w]);
    timer.end("denoise");

    // Decode the whole clip, then stream its frames.
    throwIfAborted(hooks.signal);
    await sink.start({ width: W, height: H, fps: params.target_fps, frames: F });
    const z = denormalize(latents, manifest.latent, T * h * w);
    trace("latents_denormalized", z, [1, Z, T, h, w]);
    const decIO = sessions.io.vae_decoder;
    const decoded3d = (
      await sessions.run(
        "vae_decoder",
        { [decIO.inputs.latent!.name]: new ort.Tensor("float32", z, [1, Z, T, h, w]) },
        clock,
      )
    )[decIO.outputs.sample!.name]!;
    const videoOut = decoded3d.data as Float32Array;
    trace("decoded", videoOut, [1, 3, F, H, W]);
    let encodeMs = 0;
    const chunk = Math.max(1, Math.min(params.decode_chunk_size, F));
    for (let f0 = 0; f0 < F; f0 += chunk) {
      throwIfAborted(hooks.signal);
      const n = Math.min(chunk, F - f0);
      // [1, 3, F, H, W] -> [n, 3, H, W] for the frames_to_rgb graph.
      const frames = new Float32Array(n * 3 * plane);
      for (let j = 0; j < n; j++)
        for (let c = 0; c < 3; c++)
          frames.set(
            videoOut.subarray((c * F + f0 + j) * plane, (c * F + f0 + j + 1) * plane),
            (j * 3 + c) * plane,
          );
      const rgb = (
        await sessions.run(
          "frames_to_rgb",
          { images: new ort.Tensor("float32", frames, [n, 3, H, W]) },
          clock,
        )
      ).rgb!;
      const writeStart = performance.now();
      await sink.write(rgb.data as Uint8Array, n);
      encodeMs += performance.now() - writeStart;
      hooks.onProgress?.({ stage: "vae_decode", step: f0 + n, steps: F });
    }
    timer.end("vae_decode");
    timer.timings.vae_decode -= encodeMs;
    hooks.onProgress?.({ stage: "encode", step: 0, steps: 1 });
    await sink.finish();
    timer.end("encode");
    timer.timings.encode += encodeMs;
  } catch (error) {
    await sink.abort(error as Error).catch(() => undefined);
    throw error;
  }
  return {
    width: W,
    height: H,
    frames: F,
    fps: params.target_fps,
    seed: params.seed,
    timings: timer.timings,
    ortMs: clock.total(),
    ortBySession: Object.fromEntries(
      [...clock.ms].map(([name, ms]) => [name, { ms, calls: clock.calls.get(name) ?? 0 }]),
    ),
    peakRssMb: timer.peakRss / 2 ** 20,
    startRssMb: timer.startRss / 2 ** 20,
  };
}

/** diffusers' `latents` argument (shape-checked), or the seed's noise; times init_noise_sigma (1 for flow schedulers). */
function initialLatents(
  given: Float32Array | undefined,
  size: number,
  dims: number[],
  seed: number,
  sigma: number,
): Float32Array {
  if (!given) return fillNormal(new Float32Array(size), seed, sigma);
  if (given.length !== size) {
    throw new I2vError(
      "invalid_parameters",
      `The initial latents have ${given.length} values; this request needs [${dims.join(", ")}] = ${size} ([1, z, (frames-1)/4+1, height/8, width/8]).`,
    );
  }
  return given.map((v) => v * sigma);
}
