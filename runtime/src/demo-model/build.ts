import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Manifest } from "../pipeline/manifest.ts";
import { makeAlphasCumprod } from "../pipeline/schedulers/index.ts";
import {
  DEFAULT_DEMO_SIZE,
  DEMO,
  DEMO_SCHEDULER_CONFIG,
  type DemoSize,
  LATENT_CHANNELS,
} from "./constants.ts";
import { imageEncoderGraph, textEncoderGraph, vaeEncoderGraph } from "./graphs/encoders.ts";
import { unetGraph } from "./graphs/unet.ts";
import { vaeDecoderGraph } from "./graphs/vae-decoder.ts";
import { demoTokenizerJson } from "./tokenizer-json.ts";

/** Bump when the demo's graphs change, so cached builds are not reused. */
const DEMO_VERSION = 3;

/** The folder a demo model of this size is built into under `cacheDir`. */
export function demoModelDir(cacheDir: string, size: DemoSize = DEFAULT_DEMO_SIZE): string {
  return path.join(cacheDir, "demo-model", `v${DEMO_VERSION}-w${size.width}-d${size.depth}`);
}

/**
 * Builds the demo model (ONNX graphs, tokenizer, manifest) into the cache at first use and returns
 * its folder. Written to a temporary folder and renamed, so a killed build never leaves a half model.
 */
export async function ensureDemoModel(cacheDir: string, size: DemoSize = DEFAULT_DEMO_SIZE): Promise<string> {
  const dir = demoModelDir(cacheDir, size);
  if (await isDir(dir)) return dir;
  const staging = `${dir}.tmp-${process.pid}-${randomUUID()}`;
  await rm(staging, { recursive: true, force: true });
  const alphas = makeAlphasCumprod(DEMO_SCHEDULER_CONFIG);
  const files: Record<string, Uint8Array | string> = {
    "text_encoder/model.onnx": textEncoderGraph(),
    "image_encoder/model.onnx": imageEncoderGraph(),
    "vae_encoder/model.onnx": vaeEncoderGraph(),
    "unet/model.onnx": unetGraph(size, alphas),
    "vae_decoder/model.onnx": vaeDecoderGraph(),
    "tokenizer/tokenizer.json": JSON.stringify(demoTokenizerJson()),
    "scheduler/scheduler_config.json": JSON.stringify(DEMO_SCHEDULER_CONFIG, null, 2),
    "manifest.json": JSON.stringify(demoManifest(size), null, 2),
  };
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(staging, file)), { recursive: true });
    await writeFile(path.join(staging, file), content);
  }
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await rename(staging, dir);
  } catch (error) {
    // Another process finished the same build first: theirs is as good as ours.
    await rm(staging, { recursive: true, force: true });
    if (!(await isDir(dir))) throw error;
  }
  return dir;
}

/** The demo model's manifest, in the same format an exported I2VGen-XL uses. */
export function demoManifest(size: DemoSize): Manifest {
  const fp32 = (component: string) => ({ fp32: `${component}/model.onnx` });
  return {
    format: "i2v-manifest/1",
    name: "i2v-demo",
    description: `Built-in demo model (UNet conv stack ${size.width}x${size.depth}): the camera pans and zooms as the prompt says.`,
    components: {
      text_encoder: {
        files: fp32("text_encoder"),
        inputs: {},
        outputs: { hidden_states: "last_hidden_state" },
      },
      image_encoder: { files: fp32("image_encoder"), inputs: {}, outputs: {} },
      vae_encoder: { files: fp32("vae_encoder"), inputs: {}, outputs: {} },
      unet: { files: fp32("unet"), inputs: {}, outputs: { model_output: "v_prediction" } },
      vae_decoder: { files: fp32("vae_decoder"), inputs: { latent: "latent_sample" }, outputs: {} },
    },
    tokenizer: {
      file: "tokenizer/tokenizer.json",
      max_length: DEMO.maxLength,
      pad_id: 0,
      bos_id: 2,
      eos_id: 3,
    },
    latent: {
      channels: LATENT_CHANNELS,
      vae_scale_factor: DEMO.vaeScaleFactor,
      scaling_factor: DEMO.scalingFactor,
      size_multiple: 8,
      frame_conditioning: "first_frame_then_position_planes",
    },
    image_encoder: {
      size: 224,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    },
    guidance: { negative_image_embedding: "zeros" },
    scheduler: { default: "ddim", config: { ...DEMO_SCHEDULER_CONFIG } },
    defaults: { negative_prompt: "" },
    // Peak RSS over the job's start, measured here for the 8x1 size (quick 189 MiB at 0.52
    // megapixel-frames, standard 1037 at 4.19, high 3195 at 14.2: about 70 + 231 per MPF), rounded
    // up; the conv stack adds its activations (width x depth channels at 1/16 of the pixels, CFG x2).
    memory: {
      fp32: { fixed_mb: 100, per_megapixel_frame_mb: 240 + Math.ceil((size.width * size.depth) / 2) },
    },
  };
}

async function isDir(dir: string): Promise<boolean> {
  try {
    return (await stat(path.join(dir, "manifest.json"))).isFile();
  } catch {
    return false;
  }
}
