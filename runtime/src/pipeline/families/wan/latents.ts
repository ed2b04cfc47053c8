import type { WanManifest } from "./manifest.ts";

type Latent = WanManifest["latent"];

/**
 * The transformer's condition [1, 4 + z, T, h, w] from the VAE's latent mode [1, z, T, h, w]:
 * a 4-channel mask (1 on latent frame 0, which holds the given image; 0 after), then the latent
 * normalized as diffusers does in float32: (x - mean) * (1 / std).
 */
export function conditionLatents(mode: Float32Array, latent: Latent, T: number, plane: number): Float32Array {
  const Z = latent.channels;
  const frame = T * plane;
  const out = new Float32Array((4 + Z) * frame);
  for (let m = 0; m < 4; m++) out.fill(1, m * frame, m * frame + plane);
  for (let c = 0; c < Z; c++) {
    const mean = Math.fround(latent.latents_mean[c] as number);
    const inv = Math.fround(1 / Math.fround(latent.latents_std[c] as number));
    const src = c * frame;
    const dst = (4 + c) * frame;
    for (let i = 0; i < frame; i++) out[dst + i] = Math.fround((mode[src + i] as number) - mean) * inv;
  }
  return out;
}

/** The VAE decoder's input: latents / (1 / std) + mean, in float32 as diffusers computes it. */
export function denormalize(latents: Float32Array, latent: Latent, perChannel: number): Float32Array {
  const out = new Float32Array(latents.length);
  for (let c = 0; c < latent.channels; c++) {
    const mean = Math.fround(latent.latents_mean[c] as number);
    const inv = Math.fround(1 / Math.fround(latent.latents_std[c] as number));
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++)
      out[i] = Math.fround((latents[i] as number) / inv) + mean;
  }
  return out;
}
