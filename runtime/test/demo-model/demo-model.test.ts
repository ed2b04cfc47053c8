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

describe("the demo's camera pan", () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadDemo();
  });
  afterAll(async () => {
    await model?.release();
  });

  /** Decodes `pixels` [3,h,w] with constant motion planes (pan x, pan y, zoom). */
  async function render(pixels: Float32Array, h: number, w: number, motion: [number, number, number]) {
    const enc = await model.sessions.run("vae_encoder", {
      sample: new ort.Tensor("float32", pixels, [1, 3, h, w]),
    });
    const latent = Float32Array.from(enc.latent!.data as Float32Array);
    const plane = (h / 4) * (w / 4);
    for (let m = 0; m < 3; m++)
      latent.fill(motion[m]!, (LATENT_CHANNELS - 3 + m) * plane, (LATENT_CHANNELS - 2 + m) * plane);
    const dec = await model.sessions.run("vae_decoder", {
      latent_sample: new ort.Tensor("float32", latent, [1, LATENT_CHANNELS, h / 4, w / 4]),
    });
    return dec.sample!.data as Float32Array;
  }

  it("slides the picture without zooming: a pan of a quarter width is an 8-pixel shift of 64", async () => {
    const [h, w] = [32, 64];
    const pixels = Float32Array.from({ length: 3 * h * w }, (_, i) => ((i * 37) % 255) / 127.5 - 1);
    // Normalized x runs -1..1 over the width: 0.25 moves the view 0.25 * 64 / 2 = 8 pixels right.
    const out = await render(pixels, h, w, [0.25, 0, 0]);
    const at = (a: Float32Array, c: number, y: number, x: number) => a[(c * h + y) * w + x]!;
    let worst = 0;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w - 8; x++)
          worst = Math.max(worst, Math.abs(at(out, c, y, x) - at(pixels, c, y, x + 8)));
    expect(worst).toBeLessThan(1e-4);
    // Where the view leaves the picture, its edge is mirrored back in, not cropped or zoomed.
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < h; y++)
        for (let k = 0; k < 8; k++)
          expect(Math.abs(at(out, c, y, w - 8 + k) - at(pixels, c, y, w - 1 - k))).toBeLessThan(1e-4);
    // And no motion is still the identity, so frame 0 equals the input.
    const still = await render(pixels, h, w, [0, 0, 0]);
    expect(Math.max(...still.map((v, i) => Math.abs(v - pixels[i]!)))).toBeLessThan(1e-4);
  });
});
