/**
 * Child-process entry for the ffmpeg-failure test: findTool caches the ffmpeg it found per process,
 * so a broken I2V_FFMPEG can only be tried in a fresh one. Runs a tiny demo generation into
 * argv[2] through the real pipeline (whose failure path removes the partial file) and prints the
 * outcome as one JSON line.
 */
import { Mp4Writer } from "../../../src/encode/mp4-writer.ts";
import { I2vError } from "../../../src/errors.ts";
import { generate } from "../../../src/pipeline/generate.ts";
import { resolveParams } from "../../../src/pipeline/params.ts";
import { fixture, loadDemo } from "../../support/demo.ts";

const out = process.argv[2];
if (!out) throw new Error("usage: encode-once.ts OUT.mp4");
const model = await loadDemo(undefined, { intraOpThreads: 1 });
const params = resolveParams(
  { preset: "quick", resolution: 64, num_frames: 4, num_inference_steps: 2, seed: 1 },
  { negative_prompt: "", scheduler: "ddim" },
);
try {
  await generate(model.sessions, model.tokenizer, params, await fixture("astronaut.png"), new Mp4Writer(out));
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  const e = error as I2vError;
  console.log(
    JSON.stringify({ ok: false, code: e instanceof I2vError ? e.code : "not-i2v", message: e.message }),
  );
} finally {
  await model.release();
}
