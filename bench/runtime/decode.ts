import * as ort from "onnxruntime-node";
import { loadManifest } from "../../runtime/src/pipeline/manifest.ts";
import { chooseProvider } from "../../runtime/src/pipeline/providers.ts";
import { runtimeOptionsSchema } from "../../runtime/src/pipeline/runtime-options.ts";
import { ModelSessions } from "../../runtime/src/pipeline/sessions.ts";

/** The model's sessions with the default runtime options (CPU). */
export async function cpuSessions(dir: string): Promise<ModelSessions> {
  const options = runtimeOptionsSchema.parse({});
  return ModelSessions.create(await loadManifest(dir, "fp32"), options, await chooseProvider(options));
}

/**
 * generate()'s decode loop on a constant latent: `chunk` frames per vae_decoder call, each
 * followed by frames_to_rgb. Returns a function that runs the whole decode once.
 */
export function decoder(sessions: ModelSessions, resolution: number, frames: number) {
  const manifest = sessions.loaded.manifest;
  const io = sessions.io.vae_decoder;
  const C = manifest.latent.channels;
  const plane = (resolution / manifest.latent.vae_scale_factor) ** 2;
  const side = Math.sqrt(plane);
  const latent = new Float32Array(C * frames * plane).fill(0.1);
  return async (chunk: number) => {
    for (let f0 = 0; f0 < frames; f0 += chunk) {
      const n = Math.min(chunk, frames - f0);
      const slice = latent.slice(f0 * C * plane, (f0 + n) * C * plane);
      const feeds = { [io.inputs.latent!.name]: new ort.Tensor("float32", slice, [n, C, side, side]) };
      const decoded = (await sessions.run("vae_decoder", feeds))[io.outputs.sample!.name]!;
      await sessions.run("frames_to_rgb", { images: decoded });
    }
  };
}
