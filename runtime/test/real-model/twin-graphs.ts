import { GraphBuilder } from "../../src/onnx/graph-builder.ts";
import type { ComponentName } from "../../src/pipeline/manifest.ts";
import { createRandom } from "../../src/pipeline/random.ts";
import { I2VGENXL } from "./i2vgen-xl-config.ts";

/**
 * ONNX graphs with I2VGen-XL's exact input/output signature (names as images/export names them,
 * element types, ranks, channel counts, symbolic dims) and almost no compute. They prove that the
 * unchanged pipeline feeds and reads the real model's tensors correctly; they prove nothing about
 * the real model's numbers.
 */
const K = I2VGENXL;
/** The exporter writes opset 17; 18 here only because ReduceMean takes its axes as an input from 18. */
const OPSET = 18;
const rand = (n: number, seed: number, scale = 0.2) => {
  const r = createRandom(seed);
  return Array.from({ length: n }, () => (r() - 0.5) * scale);
};

/** input_ids int64 [batch, 77] -> hidden_states [batch, 77, 1024] (a small table, ids taken mod its size). */
function textEncoder(): Uint8Array {
  const rows = 64;
  const g = new GraphBuilder("twin_text_encoder");
  const ids = g.input("input_ids", "int64", ["batch", K.maxLength]);
  const wrapped = g.op("Mod", [ids, g.constInt([rows], [])]);
  g.op(
    "Gather",
    [g.constFloat(rand(rows * K.textDim, 1), [rows, K.textDim]), wrapped],
    { axis: 0 },
    "hidden_states",
  );
  g.output("hidden_states", "float32", ["batch", K.maxLength, K.textDim]);
  return g.toBytes(OPSET);
}

/** pixel_values [batch, 3, 224, 224] -> image_embeds [batch, 1024] (CLIPVisionModelWithProjection). */
function imageEncoder(): Uint8Array {
  const g = new GraphBuilder("twin_image_encoder");
  const px = g.input("pixel_values", "float32", ["batch", 3, K.clipSize, K.clipSize]);
  const flat = g.op("Flatten", [g.op("GlobalAveragePool", [px])], { axis: 1 });
  g.op(
    "MatMul",
    [flat, g.constFloat(rand(3 * K.imageEmbedDim, 2), [3, K.imageEmbedDim])],
    {},
    "image_embeds",
  );
  g.output("image_embeds", "float32", ["batch", K.imageEmbedDim]);
  return g.toBytes(OPSET);
}

/** sample [batch, 3, H, W] in [-1, 1] -> latent [batch, 4, H/8, W/8], unscaled. */
function vaeEncoder(): Uint8Array {
  const f = K.vaeScaleFactor;
  const g = new GraphBuilder("twin_vae_encoder");
  const x = g.input("sample", "float32", ["batch", 3, "height", "width"]);
  const pooled = g.op("AveragePool", [x], { kernel_shape: [f, f], strides: [f, f] });
  g.op(
    "Conv",
    [pooled, g.constFloat(rand(K.latentChannels * 3, 3, 4), [K.latentChannels, 3, 1, 1])],
    {},
    "latent",
  );
  g.output("latent", "float32", ["batch", K.latentChannels, "latent_height", "latent_width"]);
  return g.toBytes(OPSET);
}

/** The six conditioning inputs, each used, in the types the exporter gives them (timestep, fps int64). */
function unet(): Uint8Array {
  const video = ["batch", K.latentChannels, "frames", "latent_height", "latent_width"];
  const g = new GraphBuilder("twin_unet");
  const x = g.input("sample", "float32", video);
  const t = g.input("timestep", "int64", [1]);
  const text = g.input("encoder_hidden_states", "float32", ["batch", K.maxLength, K.textDim]);
  const fps = g.input("fps", "int64", ["batch"]);
  const image = g.input("image_latents", "float32", video);
  const embeds = g.input("image_embeddings", "float32", ["batch", 1, K.imageEmbedDim]);
  const perBatch = (v: string) => g.op("Reshape", [v, g.constInt([-1, 1, 1, 1, 1])]);
  const mean = (v: string) => perBatch(g.op("ReduceMean", [v, g.constInt([1, 2])], { keepdims: 0 }));
  const cond = g.op("Add", [mean(text), mean(embeds)]);
  const fpsTerm = g.op("Mul", [perBatch(g.op("Cast", [fps], { to: 1 })), g.scalar(1e-3)]);
  const tTerm = g.op("Mul", [g.op("Cast", [t], { to: 1 }), g.scalar(1e-5)]);
  const terms = [
    g.op("Mul", [x, g.scalar(0.5)]),
    g.op("Mul", [image, g.scalar(0.1)]),
    g.op("Mul", [cond, g.scalar(0.01)]),
    fpsTerm,
  ];
  const sum = terms.reduce((a, b) => g.op("Add", [a, b]));
  g.op("Add", [sum, tTerm], {}, "model_output");
  g.output("model_output", "float32", video);
  return g.toBytes(OPSET);
}

/** latent [N, 4, h, w] (already divided by scaling_factor) -> sample [N, 3, 8h, 8w] in [-1, 1]. */
function vaeDecoder(): Uint8Array {
  const f = K.vaeScaleFactor;
  const g = new GraphBuilder("twin_vae_decoder");
  const z = g.input("latent", "float32", ["batch", K.latentChannels, "latent_height", "latent_width"]);
  const rgb = g.op("Conv", [z, g.constFloat(rand(3 * K.latentChannels, 5, 1), [3, K.latentChannels, 1, 1])]);
  const up = g.op("Resize", [rgb, "", g.constFloat([1, 1, f, f], [4])], { mode: "nearest" });
  g.op("Tanh", [up], {}, "sample");
  g.output("sample", "float32", ["batch", 3, "height", "width"]);
  return g.toBytes(OPSET);
}

/** Every component's twin graph. */
export function twinGraphs(): Record<ComponentName, Uint8Array> {
  return {
    text_encoder: textEncoder(),
    image_encoder: imageEncoder(),
    vae_encoder: vaeEncoder(),
    unet: unet(),
    vae_decoder: vaeDecoder(),
  };
}
