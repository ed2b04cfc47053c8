import type * as contract from "../contract/index.ts";
import type { ErrorCode, I2vError } from "../errors.ts";
import type { GenerateResult, Progress, Stage } from "../pipeline/generate.ts";
import type { GenerateParams } from "../pipeline/params.ts";
import { type StoredWebhook, webhookState } from "../webhooks/state.ts";

export type JobStatus = contract.JobStatus;
export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "canceled"]);

/** Compile-time guards: the pipeline's own types and the contract must describe the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameShapes: [
  Same<Stage, contract.StageName>,
  Same<Progress, contract.Progress>,
  Same<GenerateParams, contract.JobParams>,
] = [true, true, true];
void sameShapes;

/** A job as stored on disk and returned by the API. */
export interface Job {
  id: string;
  client_id: string | null;
  status: JobStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  params: GenerateParams;
  /** Output size decided at submission from the image and the preset. */
  size: { width: number; height: number };
  /** Memory the admission check estimated for this job (MiB). */
  estimated_mb: number;
  progress: Progress | null;
  timings: Record<Stage, number> | null;
  result: {
    width: number;
    height: number;
    frames: number;
    fps: number;
    seed: number;
    peak_rss_mb: number;
  } | null;
  error: { code: ErrorCode; message: string; hint: string } | null;
  /** How many times a restart found this job running and requeued it (scaled out: deliveries to a worker). */
  attempts: number;
  /** Scaled out: the worker that ran (or runs) the job's latest attempt. */
  worker_id?: string | null;
  /** Digest of the request (image and fields) behind a client id, to detect a reused id. */
  request_digest: string;
  /** The webhook and its deliveries (the outbox), when the request named one. */
  webhook?: StoredWebhook | null;
}

/** The API's view of a job (the contract's Job): adds queue position and the video URL. */
export type PublicJob = contract.Job;

/** Field by field, so a field added to the stored job never leaks into the API unannounced. */
export function toPublic(job: Job, queuePosition: number | null): PublicJob {
  return {
    id: job.id,
    client_id: job.client_id,
    status: job.status,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    queue_position: job.status === "queued" ? queuePosition : null,
    params: job.params,
    progress: job.progress,
    timings: job.timings,
    result: job.result,
    video_url: job.status === "succeeded" ? `/v1/jobs/${job.id}/video` : null,
    error: job.error,
    webhook: webhookState(job.webhook),
    attempts: job.attempts,
    worker_id: job.worker_id ?? null,
  };
}

/** Job ids are generated here (UUIDs); anything else in a path is refused before touching the disk. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Client ids: what a caller may choose for idempotency. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Records a job's end on its record (status, time, timings and result, or the error): every runner ends jobs this way. */
export function markFinished(
  job: Job,
  status: Job["status"],
  result?: GenerateResult,
  error?: I2vError,
): void {
  job.status = status;
  job.finished_at = new Date().toISOString();
  if (result) {
    job.timings = result.timings;
    job.result = {
      width: result.width,
      height: result.height,
      frames: result.frames,
      fps: result.fps,
      seed: result.seed,
      peak_rss_mb: Math.round(result.peakRssMb),
    };
  }
  job.error = error ? { code: error.code, message: error.message, hint: error.hint } : null;
}
