import { chmod, cp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import { DEMO, LATENT_CHANNELS } from "../../src/demo-model/constants.ts";
import { findTool } from "../../src/encode/ffmpeg-path.ts";
import { GraphBuilder } from "../../src/onnx/graph-builder.ts";
import { tempDir } from "../support/demo.ts";

/** The shared test cache, where the demo model is already built. */
export const TEST_CACHE = process.env.I2V_TEST_CACHE_DIR ?? path.join(os.tmpdir(), "i2v-test-cache");

/** A private copy of the demo model, free to break. */
export async function demoModelCopy(): Promise<string> {
  const dir = path.join(tempDir("i2v-model-"), "model");
  await cp(await ensureDemoModel(TEST_CACHE), dir, { recursive: true });
  return dir;
}

/**
 * A demo model whose UNet fails inside ONNX Runtime for videos of more than 2 frames: its output
 * adds a [2,1,1] tensor, which broadcasts over (frames, height, width) only when frames is 1 or 2.
 * Loading and the warm-up (2 frames) pass, so the fault happens mid-job, as a real model's
 * out-of-memory or shape error would.
 */
export async function modelWithFailingUnet(): Promise<string> {
  const dir = await demoModelCopy();
  const g = new GraphBuilder("failing_unet");
  const dims = ["batch", LATENT_CHANNELS, "frames", "height", "width"];
  const sample = g.input("sample", "float32", dims);
  g.input("timestep", "int64", [1]);
  g.input("encoder_hidden_states", "float32", ["batch", "sequence", DEMO.textDim]);
  g.input("fps", "int64", ["batch"]);
  g.input("image_latents", "float32", dims);
  g.input("image_embeddings", "float32", ["batch", DEMO.imageEmbedDim]);
  g.op("Add", [sample, g.constFloat([0, 0], [2, 1, 1])], {}, "v_prediction");
  g.output("v_prediction", "float32", dims);
  await writeFile(path.join(dir, "unet", "model.onnx"), g.toBytes());
  return dir;
}

/**
 * An ffmpeg stand-in that runs the real one, except for encodes (raw frames on stdin) while `mode`
 * holds a fault: `crash` reads a little of the frames and dies of SIGSEGV; `hang` stops reading
 * and never exits, as a stuck encoder would.
 */
export async function faultyFfmpeg(file: string, mode: string): Promise<void> {
  const real = findTool("ffmpeg").path;
  const script = `#!/bin/sh
case "$*" in *rawvideo*)
  case "$(cat "${mode}" 2>/dev/null)" in
    crash) head -c 20000 > /dev/null; kill -SEGV $$ ;;
    hang) exec sleep 3600 ;;
  esac ;;
esac
exec "${real}" "$@"
`;
  await writeFile(file, script);
  await chmod(file, 0o755);
}
