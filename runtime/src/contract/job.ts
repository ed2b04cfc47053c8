import { z } from "zod";
import { STAGES } from "../pipeline/generation.ts";
import { PRESET_NAMES } from "../pipeline/presets.ts";
import { apiErrorSchema } from "./error.ts";

/**
 * The job as the API returns it: GET /v1/jobs/:id, every SSE `data:`, the list, and each webhook
 * body. The server's types, the OpenAPI document, the smoke client and the page's JSDoc types all
 * come from these schemas (runtime/src/contract/README in docs/api.md).
 */

export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);

/** Pipeline stages in order: the pipeline's own list, so the contract cannot drift from it. */
export const STAGE_NAMES = STAGES;
export const stageSchema = z.enum(STAGE_NAMES);

/** ddim and dpmpp-2m (I2VGen-XL); unipc and flow-match-euler (Wan, from its manifest). */
export const SCHEDULER_NAMES = ["ddim", "dpmpp-2m", "unipc", "flow-match-euler"] as const;

const count = () => z.number().int().nonnegative();

/** Every parameter of the generation, with the preset's values filled in and the seed fixed. */
export const jobParamsSchema = z
  .object({
    prompt: z.string(),
    negative_prompt: z.string(),
    preset: z.enum(PRESET_NAMES),
    resolution: z.number().int().positive(),
    width: z.number().int().positive().optional().meta({ description: "Output width (Wan); with height." }),
    height: z.number().int().positive().optional().meta({ description: "Output height (Wan); with width." }),
    num_frames: z.number().int().positive(),
    num_inference_steps: z.number().int().positive(),
    guidance_scale: z.number(),
    guidance_scale_2: z
      .number()
      .optional()
      .meta({ description: "Guidance of the second expert of a two-expert model (Wan 2.2 A14B)." }),
    target_fps: z.number().int().positive(),
    seed: count(),
    scheduler: z.enum(SCHEDULER_NAMES),
    decode_chunk_size: z.number().int().positive(),
  })
  .meta({ id: "JobParams", description: "The generation's parameters after preset defaults." });

export const progressSchema = z
  .object({ stage: stageSchema, step: count(), steps: count() })
  .meta({ id: "Progress", description: "Where a running job is: the stage and its step out of steps." });

export const timingsSchema = z
  .record(stageSchema, z.number().nonnegative())
  .meta({ id: "Timings", description: "Wall time of each stage in milliseconds, once the job has run." });

export const jobResultSchema = z
  .object({
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    frames: z.number().int().positive(),
    fps: z.number().positive(),
    seed: count(),
    peak_rss_mb: z.number().nonnegative(),
  })
  .meta({ id: "JobResult", description: "What the succeeded job made." });

/** Why a job failed or was canceled: a registered code, a message and a hint. */
export const jobErrorSchema = apiErrorSchema
  .pick({ code: true, message: true, hint: true })
  .meta({ id: "JobError" });

export const WEBHOOK_EVENTS = ["started", "progress", "completed"] as const;
export const webhookEventSchema = z.enum(WEBHOOK_EVENTS);

/** The job's webhook and how its deliveries went (docs/api.md, "Webhooks"). */
export const webhookStateSchema = z
  .object({
    url: z.url(),
    events: z.array(webhookEventSchema),
    /** Calls made so far, retries included. */
    attempts: count(),
    /** Events the receiver acknowledged with a 2xx. */
    delivered: count(),
    /** Events still to deliver (waiting for their next try). */
    pending: count(),
    /** Events given up on after the last retry. */
    failed: count(),
    /** HTTP status of the last call, or null when it got no answer (refused, timed out). */
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    last_attempt_at: z.iso.datetime().nullable(),
  })
  .meta({ id: "WebhookState" });

export const jobSchema = z
  .object({
    id: z.uuid(),
    client_id: z.string().nullable(),
    status: jobStatusSchema,
    created_at: z.iso.datetime(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
    /** 1-based place among waiting jobs while queued. */
    queue_position: z.number().int().positive().nullable(),
    params: jobParamsSchema,
    progress: progressSchema.nullable(),
    timings: timingsSchema.nullable(),
    result: jobResultSchema.nullable(),
    video_url: z.string().nullable(),
    error: jobErrorSchema.nullable(),
    webhook: webhookStateSchema.nullable(),
    /** Times the job was handed to a runner again (a restart requeued it, or a worker died). */
    attempts: count(),
    /** Scaled out: the worker that ran (or runs) the latest attempt; null on the single box. */
    worker_id: z.string().nullable(),
  })
  .meta({ id: "Job", description: "A job as the API returns it." });

export const jobListSchema = z
  .object({ jobs: z.array(jobSchema) })
  .meta({ id: "JobList", description: "Recent jobs, newest first." });

export type JobStatus = z.infer<typeof jobStatusSchema>;
export type StageName = z.infer<typeof stageSchema>;
export type JobParams = z.infer<typeof jobParamsSchema>;
export type Progress = z.infer<typeof progressSchema>;
export type Timings = z.infer<typeof timingsSchema>;
export type JobResult = z.infer<typeof jobResultSchema>;
export type JobError = z.infer<typeof jobErrorSchema>;
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type WebhookState = z.infer<typeof webhookStateSchema>;
export type Job = z.infer<typeof jobSchema>;
export type JobList = z.infer<typeof jobListSchema>;
