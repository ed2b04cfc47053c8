import type { EventEmitter } from "node:events";
import type { Job } from "../jobs/job.ts";
import type { GenerateResult } from "../pipeline/generate.ts";

/** `update` on every change of a job (from whichever process made it); `finished` once it ends. */
export interface JobEvents {
  update: [Job];
  finished: [Job, GenerateResult | undefined];
}

export interface QueueCounts {
  waiting: number;
  running: number;
  /** Waiting jobs accepted before new ones get 429. */
  capacity: number;
  /** Jobs that can run at once (on this box, or over every worker in service). */
  concurrency: number;
  /** Workers taking jobs: 1 for the single box. */
  workers: number;
}

/**
 * The job queue as the HTTP API sees it: the single box's embedded file-backed queue, or the shared
 * BullMQ queue that API and worker processes meet on. The pipeline knows neither.
 */
export interface JobQueuePort extends EventEmitter<JobEvents> {
  readonly kind: "embedded" | "shared";
  get(id: string): Promise<Job | undefined>;
  findByClientId(clientId: string): Promise<Job | undefined>;
  /** Newest first. */
  list(limit: number): Promise<Job[]>;
  /** 1-based position among waiting jobs, or null. */
  position(id: string): Promise<number | null>;
  counts(): Promise<QueueCounts>;
  /** Throws `queue_full` (with retry_after_s) or `shutting_down` when no new job is accepted now. */
  assertAccepting(): Promise<void>;
  /** Stores the input and enqueues; resolves once both are durable (`fields`: the request as sent). */
  submit(job: Job, image: Uint8Array, fields?: Record<string, unknown>): Promise<void>;
  /** Cancels a queued job at once, a running one between steps. */
  cancel(id: string): Promise<Job | undefined>;
  /** Throws when the queue cannot be reached. */
  check(): Promise<void>;
  /**
   * SIGTERM: stop accepting. The single box also finishes or requeues its running jobs within
   * `timeoutMs`; an API process holds none (everything it accepted is in the shared queue).
   */
  drain(timeoutMs: number): Promise<void>;
}
