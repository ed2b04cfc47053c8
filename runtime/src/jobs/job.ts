import type { ErrorCode } from "../errors.ts";
import type { Progress, Stage } from "../pipeline/generate.ts";
import type { GenerateParams } from "../pipeline/params.ts";

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "canceled";
export const TERMINAL: ReadonlySet<JobStatus> = new Set(["succeeded", "failed", "canceled"]);

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
}

/** The API's view of a job: adds queue position and the video URL. */
export interface PublicJob extends Omit<Job, "attempts" | "size" | "estimated_mb" | "request_digest"> {
  queue_position: number | null;
  video_url: string | null;
}

export function toPublic(job: Job, queuePosition: number | null): PublicJob {
  const { attempts: _a, size: _s, estimated_mb: _e, request_digest: _d, ...rest } = job;
  return {
    ...rest,
    queue_position: job.status === "queued" ? queuePosition : null,
    video_url: job.status === "succeeded" ? `/v1/jobs/${job.id}/video` : null,
  };
}

/** Job ids are generated here (UUIDs); anything else in a path is refused before touching the disk. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Client ids: what a caller may choose for idempotency. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
