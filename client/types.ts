/**
 * The runtime's HTTP API as a client sees it (docs/api.md). Kept apart from the server's own
 * types on purpose: the smoke test checks the wire format, not what the server code believes it sends.
 */

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";

export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

/** Stage names in pipeline order (same as runtime/src/pipeline/generate.ts STAGES). */
export const STAGE_NAMES = [
  "preprocess",
  "text_encode",
  "image_encode",
  "vae_encode",
  "denoise",
  "vae_decode",
  "encode",
] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface JobParams {
  prompt: string;
  negative_prompt: string;
  preset: string;
  resolution: number;
  num_frames: number;
  num_inference_steps: number;
  guidance_scale: number;
  target_fps: number;
  seed: number;
  scheduler: string;
}

export interface Job {
  id: string;
  client_id: string | null;
  status: JobStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  queue_position: number | null;
  params: JobParams;
  progress: { stage: StageName; step: number; steps: number } | null;
  /** Milliseconds per pipeline stage, once the job has run. */
  timings: Record<StageName, number> | null;
  result: { width: number; height: number; frames: number; fps: number; seed: number } | null;
  video_url: string | null;
  error: ApiErrorBody | null;
}

/** Request fields of POST /v1/jobs besides the image (all optional). */
export interface JobRequest {
  prompt?: string;
  negative_prompt?: string;
  preset?: string;
  resolution?: number;
  num_frames?: number;
  num_inference_steps?: number;
  guidance_scale?: number;
  target_fps?: number;
  seed?: number;
  scheduler?: string;
  client_id?: string;
}
