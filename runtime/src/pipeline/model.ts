import { I2vError } from "../errors.ts";
import { loadWanTokenizer } from "./families/wan/tokenizer.ts";
import { MemorySink } from "./frame-sink.ts";
import { generate } from "./generate.ts";
import { type LoadedManifest, loadManifest } from "./manifest.ts";
import type { GenerateParams, ModelDefaults } from "./params.ts";
import { chooseProvider } from "./providers.ts";
import { type RuntimeOptions, type RuntimeOptionsInput, runtimeOptionsSchema } from "./runtime-options.ts";
import { ModelSessions } from "./sessions.ts";
import { loadTokenizer, type PromptTokenizer } from "./tokenize.ts";

/** What is known about a loaded model, for /v1/system and logs. */
export interface ModelInfo {
  name: string;
  dir: string;
  variant: string;
  provider: string;
  providerWarning?: string;
  loadMs: number;
  warmupMs: number;
  /** The manifest's defaults, for clients that resolve parameters outside the worker (the CLI). */
  defaults: ModelDefaults;
}

/**
 * A model ready to generate: manifest validated, sessions created once and warmed up, tokenizer
 * loaded. Replaced as a whole on reload; the old one is released when its jobs are done.
 */
export class LoadedModel {
  private constructor(
    readonly sessions: ModelSessions,
    readonly tokenizer: PromptTokenizer,
    readonly info: ModelInfo,
  ) {}

  get manifest(): LoadedManifest["manifest"] {
    return this.sessions.loaded.manifest;
  }

  static async load(dir: string, input: RuntimeOptionsInput = {}): Promise<LoadedModel> {
    const started = performance.now();
    const options: RuntimeOptions = runtimeOptionsSchema.parse(input);
    const provider = await chooseProvider(options);
    const onGpu = provider.provider !== "cpu";
    const loaded = await loadManifestForVariant(
      dir,
      options.variant ?? (onGpu ? "fp16" : "fp32"),
      options.variant === undefined,
    );
    const attention = unfusedAttentionWarning(loaded, provider.provider);
    if (attention) console.warn(attention);
    const sessions = await ModelSessions.create(loaded, options, provider);
    const tokenizer =
      loaded.manifest.family === "wan"
        ? await loadWanTokenizer(loaded.tokenizerFile, loaded.manifest.tokenizer)
        : await loadTokenizer(loaded.tokenizerFile, loaded.manifest.tokenizer);
    const loadMs = performance.now() - started;
    const model = new LoadedModel(sessions, tokenizer, {
      name: loaded.manifest.name,
      dir,
      variant: loaded.variant,
      provider: provider.provider,
      ...(provider.warning ? { providerWarning: provider.warning } : {}),
      loadMs,
      warmupMs: 0,
      defaults: {
        negative_prompt: loaded.manifest.defaults.negative_prompt,
        scheduler: loaded.manifest.scheduler.default,
      },
    });
    model.info.warmupMs = await model.warmup();
    return model;
  }

  /** One tiny generation, so the first user does not pay for allocations and kernel selection. */
  private async warmup(): Promise<number> {
    const started = performance.now();
    const multiple = this.manifest.latent.size_multiple;
    // Wan takes 4k+1 frames and explicit sizes; the smallest clip it can make.
    const wan = this.manifest.family === "wan";
    const params: GenerateParams = {
      prompt: "warm up",
      negative_prompt: "",
      preset: "quick",
      resolution: multiple,
      ...(wan ? { width: multiple, height: multiple } : {}),
      num_frames: wan ? 5 : 2,
      num_inference_steps: 1,
      guidance_scale: 2,
      target_fps: 8,
      seed: 0,
      scheduler: this.manifest.scheduler.default,
      decode_chunk_size: 2,
    };
    await generate(this.sessions, this.tokenizer, params, await warmupImage(multiple), new MemorySink());
    return performance.now() - started;
  }

  async release(): Promise<void> {
    await this.sessions.release();
  }
}

/**
 * The warning for an fp16 model exported with --allow-unfused, loaded on a GPU provider: plain
 * attention materialises every attention matrix, which at 512 px and up does not fit the GPU.
 */
export function unfusedAttentionWarning(
  loaded: Pick<LoadedManifest, "manifest" | "variant" | "dir">,
  provider: string,
): string | undefined {
  // Only I2VGen-XL manifests carry it: the Wan exporter writes no fp16 variant yet (docs/wan.md).
  const unfused =
    ("fp16_unfused_attention" in loaded.manifest && loaded.manifest.fp16_unfused_attention) || [];
  if (provider === "cpu" || loaded.variant !== "fp16" || unfused.length === 0) return undefined;
  return `${loaded.dir}: the fp16 ${unfused.join(", ")} kept plain attention (exported with --allow-unfused); on ${provider} it can run out of GPU memory at 512 px and up. Re-export without --allow-unfused once ONNX Runtime's optimizer fuses it.`;
}

/** Loads the requested variant; an implied fp16 falls back to fp32 when the model has no fp16. */
async function loadManifestForVariant(
  dir: string,
  variant: "fp32" | "fp16",
  implied: boolean,
): Promise<LoadedManifest> {
  try {
    return await loadManifest(dir, variant);
  } catch (error) {
    const noVariant =
      error instanceof I2vError && String(error.details?.problems).includes(`no ${variant} variant`);
    if (implied && variant === "fp16" && noVariant) return loadManifest(dir, "fp32");
    throw error;
  }
}

async function warmupImage(side: number): Promise<Uint8Array> {
  const { default: sharp } = await import("sharp");
  const size = Math.max(32, side);
  return sharp({ create: { width: size, height: size, channels: 3, background: "#808080" } })
    .png()
    .toBuffer();
}
