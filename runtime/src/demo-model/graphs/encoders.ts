import { GraphBuilder } from "../../onnx/graph-builder.ts";
import { createRandom } from "../../pipeline/random.ts";
import { DEMO, LATENT_CHANNELS } from "../constants.ts";
import { MOTION_UNIT, MOTION_WORDS, SPECIAL_TOKENS, vocabulary } from "../vocabulary.ts";

/**
 * Text encoder: an embedding table. Dimensions 0-2 of a word's row are its camera motion; the rest
 * are fixed pseudo-random features, as a real encoder's hidden state would carry.
 */
export function textEncoderGraph(): Uint8Array {
  const words = vocabulary();
  const random = createRandom(7);
  const table = new Float32Array(words.length * DEMO.textDim);
  words.forEach((word, id) => {
    const row = table.subarray(id * DEMO.textDim, (id + 1) * DEMO.textDim);
    if ((SPECIAL_TOKENS as readonly string[]).includes(word) && word !== "[UNK]") return; // padding carries nothing
    const motion = MOTION_WORDS[word];
    row[0] = (motion?.panX ?? 0) * MOTION_UNIT.pan;
    row[1] = (motion?.panY ?? 0) * MOTION_UNIT.pan;
    row[2] = motion ? motion.zoom * MOTION_UNIT.zoom : MOTION_UNIT.drift;
    for (let d = DEMO.motionChannels; d < DEMO.textDim; d++) row[d] = (random() - 0.5) * 0.2;
  });
  const g = new GraphBuilder("demo_text_encoder");
  const ids = g.input("input_ids", "int64", ["batch", "sequence"]);
  const embeddings = g.constFloat(table, [words.length, DEMO.textDim], "embeddings");
  g.op("Gather", [embeddings, ids], { axis: 0 }, "last_hidden_state");
  g.output("last_hidden_state", "float32", ["batch", "sequence", DEMO.textDim]);
  return g.toBytes();
}

/** Image encoder: global colour statistics projected to the embedding size (a stand-in for CLIP). */
export function imageEncoderGraph(): Uint8Array {
  const random = createRandom(11);
  const g = new GraphBuilder("demo_image_encoder");
  const pixels = g.input("pixel_values", "float32", ["batch", 3, "height", "width"]);
  const pooled = g.op("GlobalAveragePool", [pixels]);
  const flat = g.op("Flatten", [pooled], { axis: 1 });
  const projection = g.constFloat(
    Array.from({ length: 3 * DEMO.imageEmbedDim }, () => random() - 0.5),
    [3, DEMO.imageEmbedDim],
  );
  g.op("MatMul", [flat, projection], {}, "image_embeds");
  g.output("image_embeds", "float32", ["batch", DEMO.imageEmbedDim]);
  return g.toBytes();
}

/**
 * VAE encoder: a lossless pixel unshuffle, plus camera channels at rest (zero motion).
 * Output is the unscaled latent; the pipeline multiplies by the manifest's scaling factor.
 */
export function vaeEncoderGraph(): Uint8Array {
  const g = new GraphBuilder("demo_vae_encoder");
  const sample = g.input("sample", "float32", ["batch", 3, "height", "width"]);
  const unshuffled = g.op("SpaceToDepth", [sample], { blocksize: DEMO.vaeScaleFactor });
  const firstChannels = g.op("Slice", [
    unshuffled,
    g.constInt([0]),
    g.constInt([DEMO.motionChannels]),
    g.constInt([1]),
  ]);
  const atRest = g.op("Mul", [firstChannels, g.scalar(0)]);
  g.op("Concat", [unshuffled, atRest], { axis: 1 }, "latent");
  g.output("latent", "float32", ["batch", LATENT_CHANNELS, "latent_height", "latent_width"]);
  return g.toBytes();
}
