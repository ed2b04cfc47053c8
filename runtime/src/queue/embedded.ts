import { EventEmitter } from "node:events";
import { I2vError } from "../errors.ts";
import { type Job, TERMINAL } from "../jobs/job.ts";
import {
  asJobError,
  canceledBeforeStart,
  endJob,
  type JobLedger,
  type JobRunner,
  retryAfterSeconds,
  takeOver,
} from "../jobs/lifecycle.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { DirectoryStorage } from "../storage/directory.ts";
import type { JobFiles } from "./job-files.ts";
import type { JobEvents, JobQueuePort, QueueCounts } from "./port.ts";

export interface EmbeddedQueueOptions {
  /** Waiting jobs accepted before new ones get 429. */
  capacity: number;
  /** Jobs run at once. */
  concurrency: number;
}

/**
 * The single box's queue: a bounded FIFO in front of the job runner, over the job files and the
 * data folder's storage. Records are readable while the model loads; submissions wait for the
 * runner (`attach`). Every state change is written before it is announced, so a crash at any
 * point leaves each job recoverable.
 */
export class EmbeddedQueue extends EventEmitter<JobEvents> implements JobQueuePort, JobLedger {
  readonly kind = "embedded" as const;
  private readonly waiting: string[] = [];
  /** Slots held by submissions whose job is still being written. */
  private reserved = 0;
  private accepting = true;
  private recentDurationsMs: number[] = [];
  /** Jobs taken from the line and not yet ended (counted before their input is even read). */
  private active = 0;
  private runner: JobRunner | undefined;

  constructor(
    readonly files: JobFiles,
    readonly storage: DirectoryStorage,
    private readonly options: EmbeddedQueueOptions,
  ) {
    super();
    // Every SSE follower listens for updates while connected: more than 10 is normal use, not a
    // leak (runtime/test/reliability/sse.test.ts checks they are all released on disconnect).
    this.setMaxListeners(0);
  }

  /** Starts taking jobs with the runner built once the model is loaded. */
  attach(runner: JobRunner): void {
    this.runner = runner;
    this.pump();
  }

  // --- JobLedger: how the lifecycle writes this queue's jobs ---

  async save(job: Job): Promise<void> {
    await this.files.save(job);
    this.emit("update", job);
  }

  announce(job: Job): void {
    this.emit("update", job);
  }

  ended(job: Job, result: GenerateResult | undefined): void {
    this.emit("finished", job, result);
  }

  async recordDuration(ms: number): Promise<void> {
    this.recentDurationsMs = [...this.recentDurationsMs.slice(-9), ms];
  }

  // --- JobQueuePort: what the HTTP API asks ---

  async get(id: string): Promise<Job | undefined> {
    return this.files.get(id);
  }

  async findByClientId(clientId: string): Promise<Job | undefined> {
    return this.files.findByClientId(clientId);
  }

  async list(limit: number): Promise<Job[]> {
    return this.files.list(limit);
  }

  async position(id: string): Promise<number | null> {
    const index = this.waiting.indexOf(id);
    return index < 0 ? null : index + 1;
  }

  async counts(): Promise<QueueCounts> {
    return {
      waiting: this.waiting.length,
      running: this.active,
      capacity: this.options.capacity,
      concurrency: this.options.concurrency,
      workers: 1,
    };
  }

  async assertAccepting(): Promise<void> {
    if (!this.runner) throw new I2vError("model_not_ready", "The model is still loading.");
    if (!this.accepting)
      throw new I2vError("shutting_down", "The service is shutting down and accepts no new jobs.");
    if (this.waiting.length + this.reserved >= this.options.capacity) {
      throw new I2vError("queue_full", `The queue is full (${this.options.capacity} waiting).`, {
        retry_after_s: retryAfterSeconds(this.recentDurationsMs, this.options.concurrency),
      });
    }
  }

  /** Input, then record, then the line: a 202 means both are on disk. */
  async submit(job: Job, image: Uint8Array): Promise<void> {
    await this.assertAccepting();
    // Reserve the slot before the disk writes, so concurrent submits cannot overfill the queue; the
    // id joins the line only once the job is written, or a pump meanwhile would drop it.
    this.reserved += 1;
    try {
      await this.storage.putInput(job.id, image);
      await this.files.save(job);
    } finally {
      this.reserved -= 1;
    }
    this.waiting.push(job.id);
    this.emit("update", job);
    this.pump();
  }

  /** Cancels a queued job at once, or a running one between steps. */
  async cancel(id: string): Promise<Job | undefined> {
    const job = this.files.get(id);
    if (!job || TERMINAL.has(job.status)) return job;
    const index = this.waiting.indexOf(id);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      await endJob(this, job, canceledBeforeStart());
      this.pump();
    } else this.runner?.cancel(id);
    return job;
  }

  async check(): Promise<void> {}

  /**
   * After a restart: queued jobs go back in line; a job found running was lost with the last
   * process and is requeued once, or failed `interrupted` if it was lost before (a job that kills
   * the process).
   */
  async recover(): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued: string[] = [];
    const failed: string[] = [];
    const pending = this.files.all().filter((j) => j.status === "queued" || j.status === "running");
    pending.sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const job of pending) {
      if (job.status === "running") {
        takeOver(job);
        if (job.attempts >= 2) {
          const error = new I2vError(
            "interrupted",
            "The service stopped twice while this job ran; it was not retried again.",
          );
          await endJob(this, job, { status: "failed", error });
          failed.push(job.id);
          continue;
        }
        await this.files.save(job);
      }
      this.waiting.push(job.id);
      requeued.push(job.id);
    }
    this.pump();
    return { requeued, failed };
  }

  /**
   * SIGTERM: stops accepting, lets running jobs finish until the deadline, then interrupts them;
   * they are put back in line on disk, so the next start runs them again.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    this.waiting.length = 0;
    await this.runner?.drain(deadlineMs);
  }

  private pump(): void {
    const runner = this.runner;
    if (!runner) return;
    while (this.accepting && this.active < this.options.concurrency && this.waiting.length > 0) {
      const job = this.files.get(this.waiting.shift() as string);
      if (!job) continue;
      this.active += 1;
      void this.start(runner, job);
    }
  }

  private async start(runner: JobRunner, job: Job): Promise<void> {
    try {
      const image = await this.storage.getInput(job.id);
      const output = this.storage.videoPath(job.id);
      await runner.run(job, image, {
        estimatedMb: job.estimated_mb,
        output,
        keep: () => Promise.resolve(), // the engine wrote the video where the storage serves it
      });
    } catch (error) {
      // The disk failed under the job (its input, its record): on one box there is no one else to
      // hand it to, so it fails with the storage's error.
      if (!TERMINAL.has(job.status))
        await endJob(this, job, { status: "failed", error: asJobError(error) }).catch(() => undefined);
    } finally {
      this.active -= 1;
      this.pump();
    }
  }
}
