/** Request parameters: preset defaults, and every out-of-range value listed in one error. */
import { describe, expect, it } from "vitest";
import { I2vError } from "../../src/errors.ts";
import { LIMITS, resolveParams } from "../../src/pipeline/params.ts";
import { PRESET_NAMES, PRESETS } from "../../src/pipeline/presets.ts";

const model = { negative_prompt: "blurry", scheduler: "ddim" as const };

function problemsOf(input: unknown): string[] {
  try {
    resolveParams(input, model);
  } catch (error) {
    expect(error).toBeInstanceOf(I2vError);
    expect((error as I2vError).code).toBe("invalid_parameters");
    return (error as I2vError).details?.problems as string[];
  }
  throw new Error("resolveParams accepted the input");
}

describe("resolveParams", () => {
  it.each(PRESET_NAMES)("fills in the %s preset's values", (name) => {
    const p = resolveParams({ preset: name, seed: 5 }, model);
    const preset = PRESETS[name];
    expect(p).toMatchObject({
      resolution: preset.resolution,
      num_frames: preset.num_frames,
      num_inference_steps: preset.num_inference_steps,
      guidance_scale: preset.guidance_scale,
      target_fps: preset.target_fps,
      seed: 5,
      negative_prompt: "blurry",
      scheduler: "ddim",
    });
  });

  it("explicit values win over the preset", () => {
    const p = resolveParams(
      { preset: "quick", num_frames: 4, guidance_scale: 1, scheduler: "dpmpp-2m" },
      model,
    );
    expect(p).toMatchObject({ num_frames: 4, guidance_scale: 1, scheduler: "dpmpp-2m" });
  });

  it("draws a seed in range when none is given", () => {
    const { seed } = resolveParams({}, model);
    expect(Number.isInteger(seed)).toBe(true);
    expect(seed).toBeGreaterThanOrEqual(0);
    expect(seed).toBeLessThanOrEqual(LIMITS.seed.max);
  });

  it("lists every out-of-range parameter, each with its name", () => {
    const problems = problemsOf({
      preset: "ultra",
      num_frames: LIMITS.frames.min - 1,
      num_inference_steps: LIMITS.steps.max + 1,
      guidance_scale: LIMITS.guidance.max + 1,
      target_fps: 0,
      resolution: 32,
      seed: -1,
      decode_chunk_size: 0.5,
      prompt: "x".repeat(LIMITS.promptChars + 1),
      scheduler: "euler",
    });
    const fields = problems.map((p) => p.split(":")[0]);
    expect(fields.sort()).toEqual(
      [
        "decode_chunk_size",
        "guidance_scale",
        "num_frames",
        "num_inference_steps",
        "preset",
        "prompt",
        "resolution",
        "scheduler",
        "seed",
        "target_fps",
      ].sort(),
    );
  });

  it("refuses unknown fields and wrong types", () => {
    const problems = problemsOf({ num_frames: "8", steps: 10 });
    expect(problems.some((p) => p.startsWith("num_frames:"))).toBe(true);
    expect(problems.some((p) => p.includes("steps"))).toBe(true);
  });
});
