import { z } from "zod";
import { PRESET_NAMES } from "../pipeline/presets.ts";
import { SCHEDULER_NAMES } from "./job.ts";

/** GET /v1/presets, /v1/system, /livez and /readyz as the API returns them. */

const range = z.object({ min: z.number(), max: z.number() });

export const limitsSchema = z
  .object({
    promptChars: z.number().int().positive(),
    frames: range,
    steps: range,
    guidance: range,
    fps: range,
    resolution: range,
    /** Explicit width / height (Wan). */
    side: range,
    seed: range,
    decodeChunk: range,
  })
  .meta({ id: "Limits", description: "What one generation may ask for, whatever the preset." });

export const presetSchema = z
  .object({
    name: z.enum(PRESET_NAMES),
    label: z.string(),
    resolution: z.number().int().positive(),
    num_frames: z.number().int().positive(),
    num_inference_steps: z.number().int().positive(),
    target_fps: z.number().int().positive(),
    guidance_scale: z.number(),
    min_gpu_gib: z.number().positive(),
    /** Whether it fits in memory now (for a square input; the exact check runs at submission). */
    fits: z.boolean(),
    /** Why it does not fit, or null when it does. */
    reason: z.string().nullable(),
    estimated_mb: z.number().nullable(),
    free_mb: z.number().nullable(),
  })
  .meta({ id: "Preset" });

export const presetsResponseSchema = z
  .object({ presets: z.array(presetSchema), limits: limitsSchema })
  .meta({ id: "Presets", description: "Each preset with whether it fits now, and the parameter limits." });

export const modelInfoSchema = z
  .object({
    name: z.string(),
    dir: z.string(),
    variant: z.string(),
    provider: z.string(),
    providerWarning: z.string().optional(),
    loadMs: z.number().nonnegative(),
    warmupMs: z.number().nonnegative(),
    defaults: z.object({ negative_prompt: z.string(), scheduler: z.enum(SCHEDULER_NAMES) }),
  })
  .meta({ id: "ModelInfo" });

export const systemSchema = z
  .object({
    version: z.string(),
    started_at: z.iso.datetime(),
    ready: z.boolean(),
    model: modelInfoSchema.nullable(),
    memory: z
      .object({
        kind: z.enum(["gpu", "host", "simulated"]),
        total_mb: z.number().nonnegative(),
        free_mb: z.number(),
      })
      .nullable(),
    queue: z.object({
      waiting: z.number().int().nonnegative(),
      running: z.number().int().nonnegative(),
      capacity: z.number().int().positive(),
      concurrency: z.number().int().positive(),
      /** Scaled out: workers connected to the shared queue. */
      workers: z.number().int().nonnegative().optional(),
    }),
  })
  .meta({ id: "System", description: "Version, model, device memory and queue." });

export const livenessSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

export const readinessSchema = z
  .union([
    z.object({ status: z.literal("ready"), model: z.string() }),
    z.object({ status: z.literal("loading") }),
    z.object({ status: z.literal("unavailable"), problem: z.string(), hint: z.string().optional() }),
  ])
  .meta({
    id: "Readiness",
    description:
      "ready (200) once the model is loaded (API role: once a worker published its model); loading (503) before; unavailable (503) when the shared queue or storage cannot be reached, or the model failed to load (problem says why, e.g. no GPU for the CUDA provider; hint says how to fix it).",
  });

export type Limits = z.infer<typeof limitsSchema>;
export type Preset = z.infer<typeof presetSchema>;
export type PresetsResponse = z.infer<typeof presetsResponseSchema>;
export type ModelInfoView = z.infer<typeof modelInfoSchema>;
export type System = z.infer<typeof systemSchema>;
export type Readiness = z.infer<typeof readinessSchema>;
export type Liveness = z.infer<typeof livenessSchema>;
