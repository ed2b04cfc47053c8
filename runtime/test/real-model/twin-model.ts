import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "../../src/pipeline/manifest.ts";
import { CLIP_TOKENIZER_CONFIG, clipStyleTokenizerJson } from "./clip-tokenizer.ts";
import {
  CLIP_PREPROCESSOR_CONFIG,
  I2VGENXL,
  I2VGENXL_SCHEDULER_CONFIG,
  I2VGENXL_UNET_CONFIG,
  I2VGENXL_VAE_CONFIG,
} from "./i2vgen-xl-config.ts";
import { twinGraphs } from "./twin-graphs.ts";

async function put(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Writes each twin graph to every file the manifest names for it (fp32 and fp16 share the twin). */
export async function writeTwinGraphs(dir: string, manifest: Pick<Manifest, "components">): Promise<void> {
  const graphs = twinGraphs();
  for (const [name, spec] of Object.entries(manifest.components)) {
    for (const file of new Set(Object.values(spec.files))) {
      await put(path.join(dir, file as string), graphs[name as keyof typeof graphs]);
    }
  }
}

/**
 * A diffusers I2VGenXLPipeline folder without weights: the config files the exporter's manifest
 * writer reads, and a CLIP-style tokenizer.json (the one the exporter saves with CLIPTokenizerFast).
 */
export async function writeFakeSnapshot(dir: string): Promise<void> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await put(path.join(dir, "model_index.json"), json({ _class_name: "I2VGenXLPipeline" }));
  await put(path.join(dir, "scheduler", "scheduler_config.json"), json(I2VGENXL_SCHEDULER_CONFIG));
  await put(path.join(dir, "vae", "config.json"), json(I2VGENXL_VAE_CONFIG));
  await put(path.join(dir, "unet", "config.json"), json(I2VGENXL_UNET_CONFIG));
  await put(path.join(dir, "feature_extractor", "preprocessor_config.json"), json(CLIP_PREPROCESSOR_CONFIG));
  await put(path.join(dir, "tokenizer", "tokenizer_config.json"), json(CLIP_TOKENIZER_CONFIG));
  await put(path.join(dir, "tokenizer", "special_tokens_map.json"), json(CLIP_TOKENIZER_CONFIG));
  await put(path.join(dir, "tokenizer", "tokenizer.json"), json(clipStyleTokenizerJson()));
}

/** The manifest an I2VGen-XL export carries, written in TS (the Python writer's is tested in images/). */
export function twinManifest(): Manifest {
  const io = (names: string[]) => Object.fromEntries(names.map((n) => [n, n]));
  const files = (name: string, vaeFp32 = false) => ({
    fp32: `${name}/model.fp32.onnx`,
    fp16: `${name}/model.${vaeFp32 ? "fp32" : "fp16"}.onnx`,
  });
  return {
    format: "i2v-manifest/1",
    name: "i2vgen-xl-signature-twin",
    description: "I2VGen-XL's signature, trivial compute",
    components: {
      text_encoder: {
        files: files("text_encoder"),
        inputs: io(["input_ids"]),
        outputs: io(["hidden_states"]),
      },
      image_encoder: {
        files: files("image_encoder"),
        inputs: io(["pixel_values"]),
        outputs: io(["image_embeds"]),
      },
      vae_encoder: { files: files("vae_encoder", true), inputs: io(["sample"]), outputs: io(["latent"]) },
      unet: {
        files: files("unet"),
        inputs: io([
          "sample",
          "timestep",
          "encoder_hidden_states",
          "fps",
          "image_latents",
          "image_embeddings",
        ]),
        outputs: io(["model_output"]),
      },
      vae_decoder: { files: files("vae_decoder", true), inputs: io(["latent"]), outputs: io(["sample"]) },
    },
    tokenizer: {
      file: "tokenizer/tokenizer.json",
      max_length: I2VGENXL.maxLength,
      pad_id: 0,
      bos_id: null,
      eos_id: null,
    },
    latent: {
      channels: I2VGENXL.latentChannels,
      vae_scale_factor: I2VGENXL.vaeScaleFactor,
      scaling_factor: I2VGENXL_VAE_CONFIG.scaling_factor,
      size_multiple: I2VGENXL.sizeMultiple,
      frame_conditioning: "first_frame_then_position_planes",
    },
    image_encoder: {
      size: I2VGENXL.clipSize,
      mean: CLIP_PREPROCESSOR_CONFIG.image_mean as [number, number, number],
      std: CLIP_PREPROCESSOR_CONFIG.image_std as [number, number, number],
    },
    guidance: { negative_image_embedding: "zeros" },
    scheduler: { default: "ddim", config: { ...I2VGENXL_SCHEDULER_CONFIG } },
    defaults: { negative_prompt: "" },
    memory: {
      fp32: { fixed_mb: 100, per_megapixel_frame_mb: 100 },
      fp16: { fixed_mb: 100, per_megapixel_frame_mb: 100 },
    },
  };
}

/** A complete twin model folder (graphs, tokenizer, manifest); returns the manifest written. */
export async function writeTwinModel(dir: string, manifest: Manifest = twinManifest()): Promise<Manifest> {
  await writeTwinGraphs(dir, manifest);
  await put(path.join(dir, "tokenizer", "tokenizer.json"), JSON.stringify(clipStyleTokenizerJson()));
  await put(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}
