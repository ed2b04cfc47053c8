/**
 * The pipeline end to end on the demo model, through real ONNX Runtime sessions: frame 0 is the
 * input, later frames move the way the prompt asks, guidance scales the motion, the seed fixes it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { MemorySink } from "../../src/pipeline/frame-sink.ts";
import { type GenerateResult, generate } from "../../src/pipeline/generate.ts";
import { prepareImage } from "../../src/pipeline/image-input.ts";
import type { LoadedModel } from "../../src/pipeline/model.ts";
import { type GenerateParams, resolveParams } from "../../src/pipeline/params.ts";
import { fixture, loadDemo, meanAbsDiff, psnr } from "../support/demo.ts";
import { CENTRE, horizontalShift, LEFT, RIGHT } from "./motion.ts";

let model: LoadedModel;
let image: Buffer;

beforeAll(async () => {
  model = await loadDemo();
  image = await fixture("astronaut.png");
});
afterAll(async () => {
  await model?.release();
});

/** Small but honest: 128 px, 4 frames, 6 steps. */
function params(overrides: Record<string, unknown> = {}): GenerateParams {
  return resolveParams(
    {
      prompt: "pan left",
      preset: "quick",
      resolution: 128,
      num_frames: 4,
      num_inference_steps: 6,
      seed: 42,
      ...overrides,
    },
    { negative_prompt: "", scheduler: "ddim" },
  );
}

async function run(
  overrides: Record<string, unknown> = {},
): Promise<{ sink: MemorySink; result: GenerateResult }> {
  const sink = new MemorySink();
  const result = await generate(model.sessions, model.tokenizer, params(overrides), image, sink);
  return { sink, result };
}

/** The input as the pipeline resizes it: what frame 0 must reproduce. */
async function resizedInput(p: GenerateParams): Promise<Uint8Array> {
  const m = model.manifest;
  return (await prepareImage(image, p.resolution, m.latent.size_multiple, m.image_encoder.size)).rgb;
}

describe("generate on the demo model", () => {
  it("writes the asked number of frames at the input's resized size", async () => {
    const { sink, result } = await run();
    expect(result).toMatchObject({ width: 128, height: 128, frames: 4, fps: 8, seed: 42 });
    expect(sink.finished).toBe(true);
    expect(sink.frames).toHaveLength(4);
    for (const frame of sink.frames) expect(frame.length).toBe(128 * 128 * 3);
  });

  it.each(["ddim", "dpmpp-2m"] as const)(
    "frame 0 reproduces the resized input with %s (PSNR >= 30 dB)",
    async (scheduler) => {
      const { sink } = await run({ scheduler });
      const db = psnr(sink.frames[0]!, await resizedInput(params()));
      expect(db).toBeGreaterThanOrEqual(30);
    },
  );

  it("later frames differ from frame 0, more and more", async () => {
    const { sink } = await run({ prompt: "zoom in" });
    const diffs = sink.frames.slice(1).map((f) => meanAbsDiff(f, sink.frames[0]!));
    expect(diffs[0]).toBeGreaterThan(1);
    for (let i = 1; i < diffs.length; i++) expect(diffs[i]).toBeGreaterThan(diffs[i - 1]!);
  });

  it("the same seed gives identical frames", async () => {
    const a = await run({ seed: 7 });
    const b = await run({ seed: 7 });
    expect(b.sink.frames).toEqual(a.sink.frames);
  });

  it("'pan left' and 'pan right' move the picture in opposite directions", async () => {
    const shift = async (prompt: string) => {
      const { sink } = await run({ prompt });
      return horizontalShift(sink.frames[0]!, sink.frames.at(-1)!, 128, 128, CENTRE);
    };
    // Panning the camera left slides the picture right (positive shift), and the reverse.
    const left = await shift("pan left");
    const right = await shift("pan right");
    expect(left).toBeGreaterThanOrEqual(3);
    expect(right).toBeLessThanOrEqual(-3);
  });

  it("'zoom in' spreads the picture outwards, 'zoom out' pulls it in, 'pan left' moves both sides right", async () => {
    const bands = async (prompt: string) => {
      const { sink } = await run({ prompt });
      const [first, last] = [sink.frames[0]!, sink.frames.at(-1)!];
      return {
        left: horizontalShift(first, last, 128, 128, LEFT),
        right: horizontalShift(first, last, 128, 128, RIGHT),
      };
    };
    const zoom = await bands("zoom in");
    expect(zoom.left).toBeLessThan(0);
    expect(zoom.right).toBeGreaterThan(0);
    const zoomOut = await bands("zoom out");
    expect(zoomOut.left).toBeGreaterThan(0);
    expect(zoomOut.right).toBeLessThan(0);
    // A pan moves both sides the same way (it also zooms in a little to stay inside the picture).
    const pan = await bands("pan left");
    expect(pan.left).toBeGreaterThan(0);
    expect(pan.right).toBeGreaterThan(0);
  });

  it("higher guidance gives larger motion", async () => {
    const shift = async (guidance_scale: number) => {
      const { sink } = await run({ prompt: "pan right", guidance_scale });
      return Math.abs(horizontalShift(sink.frames[0]!, sink.frames.at(-1)!, 128, 128, CENTRE));
    };
    const low = await shift(3);
    const high = await shift(9);
    expect(low).toBeGreaterThanOrEqual(1);
    expect(high).toBeGreaterThan(low + 2);
  });

  it("runs the UNet once per step, guidance batched into one call", async () => {
    const spy = vi.spyOn(model.sessions, "run");
    try {
      const { result } = await run({ guidance_scale: 7.5, num_inference_steps: 5 });
      expect(result.ortBySession.unet?.calls).toBe(5);
      const sampleName = model.sessions.io.unet.inputs.sample!.name;
      const unetBatches = spy.mock.calls
        .filter(([name]) => name === "unet")
        .map(([, feeds]) => feeds[sampleName]!.dims[0]);
      expect(unetBatches).toEqual([2, 2, 2, 2, 2]);
    } finally {
      spy.mockRestore();
    }
  });

  it("guidance_scale <= 1 runs the UNet with batch 1 and still reproduces frame 0", async () => {
    const spy = vi.spyOn(model.sessions, "run");
    try {
      const { sink, result } = await run({ guidance_scale: 1, num_inference_steps: 4 });
      expect(result.ortBySession.unet?.calls).toBe(4);
      const sampleName = model.sessions.io.unet.inputs.sample!.name;
      const unetBatches = spy.mock.calls
        .filter(([name]) => name === "unet")
        .map(([, feeds]) => feeds[sampleName]!.dims[0]);
      expect(unetBatches).toEqual([1, 1, 1, 1]);
      expect(psnr(sink.frames[0]!, await resizedInput(params()))).toBeGreaterThanOrEqual(30);
    } finally {
      spy.mockRestore();
    }
  });

  it("reports per-stage timings and the time inside ONNX Runtime", async () => {
    const { result } = await run();
    expect(result.ortMs).toBeGreaterThan(0);
    const perSession = Object.values(result.ortBySession).reduce((sum, s) => sum + s.ms, 0);
    expect(perSession).toBeCloseTo(result.ortMs, 6);
    expect(result.timings.denoise).toBeGreaterThan(0);
    expect(result.peakRssMb).toBeGreaterThan(0);
  });
});
