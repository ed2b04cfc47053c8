/**
 * The runtime against a model with I2VGen-XL's exact signature (latent channels 4, VAE factor 8,
 * text states [B,77,1024], image embeds [B,1024] fed as [B,1,1024], int64 timestep and fps, the
 * published scaling factor and v-prediction DDIM config, a CLIP-style tokenizer.json), through the
 * unchanged pipeline: the real model's inputs and outputs are handled end to end.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySink } from "../../src/pipeline/frame-sink.ts";
import { generate } from "../../src/pipeline/generate.ts";
import { loadManifest } from "../../src/pipeline/manifest.ts";
import { LoadedModel } from "../../src/pipeline/model.ts";
import { resolveParams } from "../../src/pipeline/params.ts";
import { loadTokenizer } from "../../src/pipeline/tokenize.ts";
import { fixture, tempDir } from "../support/demo.ts";
import { I2VGENXL } from "./i2vgen-xl-config.ts";
import { twinManifest, writeTwinModel } from "./twin-model.ts";

let dir: string;
let model: LoadedModel;

beforeAll(async () => {
  dir = tempDir("i2v-twin-");
  await writeTwinModel(dir);
  model = await LoadedModel.load(dir, { intraOpThreads: 2, variant: "fp32" });
});
afterAll(async () => {
  await model?.release();
});

describe("I2VGen-XL signature twin", () => {
  it("passes the runtime's signature check with the real model's types and ranks", () => {
    const { io } = model.sessions;
    expect(io.unet.inputs.timestep).toMatchObject({ type: "int64", shape: [1] });
    expect(io.unet.inputs.fps).toMatchObject({ type: "int64", shape: ["batch"] });
    expect(io.unet.inputs.image_embeddings?.shape).toEqual(["batch", 1, I2VGENXL.imageEmbedDim]);
    expect(io.image_encoder.outputs.image_embeds?.shape).toEqual(["batch", I2VGENXL.imageEmbedDim]);
    expect(io.text_encoder.outputs.hidden_states?.shape).toEqual(["batch", 77, I2VGENXL.textDim]);
    expect(model.manifest.latent).toMatchObject({
      channels: 4,
      vae_scale_factor: 8,
      scaling_factor: 0.18125,
    });
  });

  it("tokenizes with the CLIP-style tokenizer.json: start, words, end, then pad", async () => {
    const loaded = await loadManifest(dir, "fp32");
    const tokenizer = await loadTokenizer(loaded.tokenizerFile, loaded.manifest.tokenizer);
    const ids = Array.from(tokenizer.encode("A  cat"), Number);
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 5)).toEqual([I2VGENXL.bos, 27, 54, I2VGENXL.eos, 0]);
  });

  it("generates frames at a 64-multiple size with guidance, one batched UNet call per step", async () => {
    const params = resolveParams(
      { prompt: "a cat", preset: "quick", resolution: 128, num_frames: 4, num_inference_steps: 3, seed: 7 },
      { negative_prompt: "", scheduler: "ddim" },
    );
    expect(params.guidance_scale).toBeGreaterThan(1);
    const sink = new MemorySink();
    const image = await fixture("astronaut.png");
    const result = await generate(
      model.sessions,
      model.tokenizer,
      { ...params, decode_chunk_size: 3 },
      image,
      sink,
    );
    expect(result).toMatchObject({ width: 128, height: 128, frames: 4 });
    expect(sink.frames).toHaveLength(4);
    for (const frame of sink.frames) expect(frame.length).toBe(128 * 128 * 3);
    expect(result.ortBySession.unet?.calls).toBe(3);
    expect(result.ortBySession.vae_decoder?.calls).toBe(2); // chunks of 3 + 1 frames
    // Not a constant picture: the decoder saw real latents.
    const first = sink.frames[0] as Uint8Array;
    expect(new Set(first).size).toBeGreaterThan(8);
  });

  it("runs the fp16 variant's files (VAE kept fp32) through the same code", async () => {
    const fp16 = await LoadedModel.load(dir, { intraOpThreads: 2, variant: "fp16" });
    try {
      expect(path.basename(fp16.sessions.loaded.files.vae_decoder)).toBe("model.fp32.onnx");
      expect(path.basename(fp16.sessions.loaded.files.unet)).toBe("model.fp16.onnx");
    } finally {
      await fp16.release();
    }
  });

  it("refuses a manifest whose latent channels disagree with the graphs", async () => {
    const bad = tempDir("i2v-twin-bad-");
    const manifest = twinManifest();
    await writeTwinModel(bad, { ...manifest, latent: { ...manifest.latent, channels: 16 } });
    await expect(LoadedModel.load(bad, { intraOpThreads: 2, variant: "fp32" })).rejects.toThrow(
      /components\.unet\.inputs\.sample: "sample" has 4 channels, the manifest says latent.channels = 16/,
    );
  });
});
