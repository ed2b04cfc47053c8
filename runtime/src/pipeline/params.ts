import { z } from "zod";
import { I2vError } from "../errors.ts";
import { PRESET_NAMES, PRESETS, type Preset, type PresetName } from "./presets.ts";
import type { AnySchedulerKind } from "./schedulers/index.ts";

/** Limits on what one generation may ask for, whatever the preset. */
export const LIMITS = {
  promptChars: 1000,
  frames: { min: 2, max: 129 },
  steps: { min: 1, max: 150 },
  guidance: { min: 0, max: 30 },
  fps: { min: 1, max: 60 },
  resolution: { min: 64, max: 1280 },
  /** Explicit width or height (families that take them, Wan). */
  side: { min: 16, max: 1920 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  decodeChunk: { min: 1, max: 64 },
} as const;

const intIn = (range: { min: number; max: number }) => z.number().int().min(range.min).max(range.max);

/**
 * A generation request. Names follow diffusers' pipeline call (prompt, negative_prompt, num_frames,
 * num_inference_steps, guidance_scale, target_fps, seed), plus preset, resolution and scheduler.
 */
export const generateRequestSchema = z
  .object({
    prompt: z.string().max(LIMITS.promptChars).default(""),
    negative_prompt: z.string().max(LIMITS.promptChars).optional(),
    preset: z.enum(PRESET_NAMES).default("standard"),
    resolution: intIn(LIMITS.resolution).optional(),
    /** Output size in pixels, both or neither (Wan: multiples of 16; I2VGen-XL uses resolution). */
    width: intIn(LIMITS.side).optional(),
    height: intIn(LIMITS.side).optional(),
    num_frames: intIn(LIMITS.frames).optional(),
    num_inference_steps: intIn(LIMITS.steps).optional(),
    guidance_scale: z.number().min(LIMITS.guidance.min).max(LIMITS.guidance.max).optional(),
    /** Guidance of the second (low-noise) expert of a two-expert model (Wan 2.2 A14B). */
    guidance_scale_2: z.number().min(LIMITS.guidance.min).max(LIMITS.guidance.max).optional(),
    target_fps: intIn(LIMITS.fps).optional(),
    seed: intIn(LIMITS.seed).optional(),
    scheduler: z.enum(["ddim", "dpmpp-2m"]).optional(),
    decode_chunk_size: intIn(LIMITS.decodeChunk).optional(),
  })
  .strict()
  .refine((r) => (r.width === undefined) === (r.height === undefined), {
    message: "give both width and height, or neither",
    path: ["width"],
  });

export type GenerateRequest = z.input<typeof generateRequestSchema>;

/** Every parameter of a generation, with preset defaults applied and the seed fixed. */
export interface GenerateParams {
  prompt: string;
  negative_prompt: string;
  preset: PresetName;
  resolution: number;
  /** Explicit output size (both or neither); families without one derive it from `resolution`. */
  width?: number;
  height?: number;
  num_frames: number;
  num_inference_steps: number;
  guidance_scale: number;
  /** The second expert's guidance (two-expert models); defaults to guidance_scale there. */
  guidance_scale_2?: number;
  target_fps: number;
  seed: number;
  /** A request names ddim or dpmpp-2m; a flow-matching model (Wan) runs its manifest's flow scheduler. */
  scheduler: AnySchedulerKind;
  decode_chunk_size: number;
}

/** Model-level defaults the manifest supplies. */
export interface ModelDefaults {
  negative_prompt: string;
  scheduler: AnySchedulerKind;
}

/**
 * Validates a request and fills in the preset's values. Throws `invalid_parameters` listing every
 * problem as `field: message`.
 */
export function resolveParams(
  input: unknown,
  model: ModelDefaults,
  presets: Record<PresetName, Preset> = PRESETS,
): GenerateParams {
  const parsed = generateRequestSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(request)"}: ${i.message}`);
    throw new I2vError("invalid_parameters", `Invalid parameters: ${problems.join("; ")}`, { problems });
  }
  const r = parsed.data;
  // The model family's presets (families/wan/presets.ts for Wan) under the API's names.
  const preset = presets[r.preset];
  return {
    prompt: r.prompt,
    negative_prompt: r.negative_prompt ?? model.negative_prompt,
    preset: r.preset,
    resolution: r.resolution ?? preset.resolution,
    ...(r.width !== undefined && r.height !== undefined ? { width: r.width, height: r.height } : {}),
    num_frames: r.num_frames ?? preset.num_frames,
    num_inference_steps: r.num_inference_steps ?? preset.num_inference_steps,
    guidance_scale: r.guidance_scale ?? preset.guidance_scale,
    ...(r.guidance_scale_2 !== undefined ? { guidance_scale_2: r.guidance_scale_2 } : {}),
    target_fps: r.target_fps ?? preset.target_fps,
    seed: r.seed ?? Math.floor(Math.random() * 2 ** 32),
    scheduler: r.scheduler ?? model.scheduler,
    decode_chunk_size: r.decode_chunk_size ?? 4,
  };
}
