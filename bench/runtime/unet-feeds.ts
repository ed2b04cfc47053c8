import * as ort from "onnxruntime-node";
import { DEMO, LATENT_CHANNELS } from "../../runtime/src/demo-model/constants.ts";

/**
 * Feeds for one demo UNet call with classifier-free guidance batched (batch 2), at `resolution`
 * pixels and `frames` frames: the call every denoising step makes. Input names are the demo's.
 */
export function unetFeeds(resolution: number, frames: number, batch = 2): Record<string, ort.Tensor> {
  const side = resolution / DEMO.vaeScaleFactor;
  const dims = [batch, LATENT_CHANNELS, frames, side, side];
  const latent = batch * LATENT_CHANNELS * frames * side * side;
  return {
    sample: new ort.Tensor("float32", new Float32Array(latent).fill(0.1), dims),
    image_latents: new ort.Tensor("float32", new Float32Array(latent).fill(0.2), dims),
    timestep: new ort.Tensor("int64", BigInt64Array.from([500n]), [1]),
    fps: new ort.Tensor("int64", new BigInt64Array(batch).fill(8n), [batch]),
    encoder_hidden_states: new ort.Tensor(
      "float32",
      new Float32Array(batch * DEMO.maxLength * DEMO.textDim),
      [batch, DEMO.maxLength, DEMO.textDim],
    ),
    image_embeddings: new ort.Tensor("float32", new Float32Array(batch * DEMO.imageEmbedDim), [
      batch,
      DEMO.imageEmbedDim,
    ]),
  };
}
