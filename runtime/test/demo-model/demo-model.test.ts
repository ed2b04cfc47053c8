/**
 * The demo model itself: built from code into the cache once, in the manifest format, with a
 * lossless VAE (so frame 0 can reproduce the input) and a size knob that changes only compute.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoModelDir, ensureDemoModel } from "../../src/demo-model/build.ts";
import { LATENT_CHANNELS } from "../../src/demo-model/constants.ts";
import { loadManifest } from "../../src/pipeline/manifest.ts";
import type { LoadedModel } from "../../src/pipeline/model.ts";
import { loadDemo, tempDir } from "../support/demo.ts";

describe("building the demo model", () => {
  it("builds once into the cache and reuses the build", async () => {
    const cache = tempDir("i2v-demo-cache-");
    const dir = await ensureDemoModel(cache);
    expect(dir).toBe(demoModelDir(cache));
    const built = (await stat(path.join(dir, "unet", "model.onnx"))).mtimeMs;
    expect(await ensureDemoModel(cache)).toBe(dir);
    expect((await stat(path.join(dir, "unet", "model.onnx"))).mtimeMs).toBe(built);
    // No staging folders left behind.
    expect(await readdir(path.dirname(dir))).toEqual([path.basename(dir)]);
  });

  it("concurrent first uses agree on one folder", async () => {
    const cache = tempDir("i2v-demo-race-");
    const dirs = await Promise.all([ensureDemoModel(cache), ensureDemoModel(cache), ensureDemoModel(cache)]);
    expect(new Set(dirs).size).toBe(1);
    await loadManifest(dirs[0]!);
    expect(await readdir(path.dirname(dirs[0]!))).toHaveLength(1);
  });

  it("the size knob changes the folder and the UNet, nothing else", async () => {
    const cache = tempDir("i2v-demo-size-");
    const small = await loadManifest(await ensureDemoModel(cache, { width: 8, depth: 1 }));
    const big = await loadManifest(await ensureDemoModel(cache, { width: 32, depth: 2 }));
    expect(small.dir).not.toBe(big.dir);
    expect((await stat(big.files.unet)).size).toBeGreaterThan((await stat(small.files.unet)).size);
    expect((await stat(big.files.vae_decoder)).size).toBe((await stat(small.files.vae_decoder)).size);
    expect(big.manifest.latent).toEqual(small.manifest.latent);
  });
});

describe("the demo model's graphs", () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadDemo();
  });
  afterAll(async () => {
    await model?.release();
  });

  it("VAE encode then decode (no motion) gives the image back", async () => {
    const [h, w] = [32, 48];
    const pixels = Float32Array.from({ length: 3 * h * w }, (_, i) => ((i * 37) % 255) / 127.5 - 1);
    const enc = await model.sessions.run("vae_encoder", {
      sample: new ort.Tensor("float32", pixels, [1, 3, h, w]),
    });
    const latent = enc.latent!;
    expect(latent.dims).toEqual([1, LATENT_CHANNELS, h / 4, w / 4]);
    const dec = await model.sessions.run("vae_decoder", { latent_sample: latent });
    const back = dec.sample!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < pixels.length; i++) worst = Math.max(worst, Math.abs(back[i]! - pixels[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it("the text encoder puts the prompt's camera motion in the first dimensions", async () => {
    const hidden = async (prompt: string) => {
      const ids = model.tokenizer.encode(prompt);
      const out = await model.sessions.run("text_encoder", {
        input_ids: new ort.Tensor("int64", ids, [1, ids.length]),
      });
      const data = out.last_hidden_state!.data as Float32Array;
      const dim = out.last_hidden_state!.dims[2]!;
      // Summed over tokens, as the demo UNet pools it.
      const motion = [0, 0, 0];
      for (let t = 0; t < ids.length; t++) for (let d = 0; d < 3; d++) motion[d]! += data[t * dim + d]!;
      return motion;
    };
    const [left, right, zoom] = await Promise.all([
      hidden("pan left"),
      hidden("pan right"),
      hidden("zoom in"),
    ]);
    expect(left[0]).toBeLessThan(0);
    expect(right[0]).toBeGreaterThan(0);
    expect(zoom[2]).toBeGreaterThan(0);
    expect(zoom[0]).toBe(0);
  });
});
