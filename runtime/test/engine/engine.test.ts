/**
 * The inference worker through its main-thread handle: a real worker thread with real ORT
 * sessions. Inference must never block the main thread's event loop, and errors cross the thread
 * boundary with their codes.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import { InferenceEngine } from "../../src/engine/engine.ts";
import { I2vError } from "../../src/errors.ts";
import type { Progress } from "../../src/pipeline/generate.ts";
import { resolveParams } from "../../src/pipeline/params.ts";
import { fixture, tempDir } from "../support/demo.ts";

/**
 * Heavy enough that one UNet step at 192 px x 8 frames takes >= 50 ms on this 2-core CPU (64x4 measured
 * 45-70 ms when the host is quiet, too close to the bound; 96x4 is about twice the work).
 */
const SIZE = { width: 96, depth: 4 };

let engine: InferenceEngine;
let image: Buffer;

beforeAll(async () => {
  engine = await InferenceEngine.start(await ensureDemoModel(tempDir(), SIZE));
  image = await fixture("astronaut.png");
});
afterAll(async () => {
  await engine?.close();
});

const RESOLUTION_MS = 2;

/** Event-loop delay while `work` runs: Node records whole timer intervals, so the resolution is subtracted. */
async function loopDelayDuring<T>(work: () => Promise<T>) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const before = performance.eventLoopUtilization();
  histogram.enable();
  const value = await work();
  histogram.disable();
  return {
    value,
    p99: histogram.percentile(99) / 1e6 - RESOLUTION_MS,
    max: histogram.max / 1e6 - RESOLUTION_MS,
    samples: histogram.count,
    utilization: performance.eventLoopUtilization(before).utilization,
  };
}

const params = (overrides: Record<string, unknown> = {}) =>
  resolveParams(
    {
      prompt: "pan left",
      preset: "quick",
      resolution: 128,
      num_frames: 8,
      num_inference_steps: 8,
      seed: 1,
      ...overrides,
    },
    { negative_prompt: "", scheduler: "ddim" },
  );

describe("InferenceEngine", () => {
  it("reports the loaded model", () => {
    expect(engine.info).toMatchObject({ name: "i2v-demo", provider: "cpu", variant: "fp32" });
    expect(engine.info?.warmupMs).toBeGreaterThan(0);
  });

  it("keeps the main event loop responsive while a generation runs (p99 delay < 20 ms)", async () => {
    const reports: string[] = [];
    let p99 = Number.POSITIVE_INFINITY;
    // This host is shared (2 cores, other jobs): another process can stall this thread for tens of
    // ms at any moment. Inference on this thread would block the loop for a whole UNet step
    // (>= 50 ms) on every attempt, so the best of three attempts still fails in that case.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = path.join(tempDir("i2v-engine-"), "out.mp4");
      const busy = await loopDelayDuring(() =>
        engine.generate(
          `responsive-${attempt}`,
          params({ resolution: 192, num_inference_steps: 6 }),
          image,
          out,
        ),
      );
      const unet = busy.value.ortBySession.unet!;
      const stepMs = unet.ms / unet.calls;
      reports.push(
        `attempt ${attempt}: p99 ${busy.p99.toFixed(1)} ms, max ${busy.max.toFixed(1)} ms, loop busy ${(100 * busy.utilization).toFixed(1)}%, UNet step ${stepMs.toFixed(0)} ms`,
      );
      // Only meaningful if a step is long enough that running it on this thread would show.
      expect(stepMs, reports.join("\n")).toBeGreaterThanOrEqual(50);
      expect(busy.samples).toBeGreaterThan(50);
      // Event-loop utilization is little skewed by other processes (measured 1-10% under load):
      // inference on this thread would make it ~1.
      expect(busy.utilization, reports.join("\n")).toBeLessThan(0.5);
      p99 = busy.p99;
      if (p99 < 20) break;
    }
    console.log(reports.join("\n"));
    expect(p99, reports.join("\n")).toBeLessThan(20);
  });

  it("streams progress: every denoise step, then decode", async () => {
    const seen: Progress[] = [];
    const out = path.join(tempDir("i2v-engine-"), "out.mp4");
    await engine.generate("progress", params({ num_inference_steps: 3, num_frames: 2 }), image, out, (p) =>
      seen.push(p),
    );
    expect(seen.filter((p) => p.stage === "denoise").map((p) => p.step)).toEqual([1, 2, 3]);
    expect(seen.at(-1)?.stage).toBe("encode");
  });

  it("a bad image fails with its code across the thread boundary, and writes nothing", async () => {
    const dir = tempDir("i2v-engine-bad-");
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    const failure = engine.generate("bad", params(), tiny, path.join(dir, "out.mp4"));
    await expect(failure).rejects.toBeInstanceOf(I2vError);
    await expect(failure).rejects.toMatchObject({
      code: "invalid_image",
      hint: expect.stringContaining("32x32"),
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("a cancel stops the job between steps and removes the partial output", async () => {
    const dir = tempDir("i2v-engine-cancel-");
    const job = engine.generate(
      "cancel",
      params({ num_inference_steps: 50 }),
      image,
      path.join(dir, "out.mp4"),
      (p) => {
        if (p.stage === "denoise" && p.step === 2) engine.cancel("cancel");
      },
    );
    await expect(job).rejects.toMatchObject({ code: "canceled" });
    expect(await readdir(dir)).toEqual([]);
    expect(engine.activeJobs).toBe(0);
  });
});
