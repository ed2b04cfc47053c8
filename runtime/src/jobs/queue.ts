import { EventEmitter } from "node:events";
import type { InferenceEngine } from "../engine/engine.ts";
import { I2vError } from "../errors.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { ImageLimits } from "../pipeline/image-input.ts";
import type { Admission } from "./admission.ts";
import { type Job, markFinished } from "./job.ts";
import type { JobStore } from "./store.ts";

export interface QueueOptions {
  capacity: number;
  concurrency: number;
  deadlineMs: number;
  imageLimits?: ImageLimits;
}

/** Events: `update` (job) on every change; `finished` (job, result | undefined) once per job. */
export interface QueueEvents {
  update: [Job];
  finished: [Job, GenerateResult | undefined];
}

/**
 * A bounded FIFO of accepted jobs in front of the inference engine. Every state change is written
 * to the store before it is announced, so a crash at any point leaves each job recoverable.
 */
export class JobQueue extends EventEmitter<QueueEvents> {
  private readonly waiting: string[] = [];
  private readonly running = new Map<string, NodeJS.Timeout>();
  /** Slots held by submissions whose job is still being written to the store. */
  private reserved = 0;
  private accepting = true;
  private recentDurationsMs: number[] = [];

  constructor(
    private readonly store: JobStore,
    private readonly engine: InferenceEngine,
    private readonly admission: Admission,
    private readonly options: QueueOptions,
  ) {
    super();
    // Every SSE follower listens for updates while connected: more than 10 is normal use, not a
    // leak (runtime/test/reliability/sse.test.ts checks they are all released on disconnect).
    this.setMaxListeners(0);
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get capacity(): number {
    return this.options.capacity;
  }

  get concurrency(): number {
    return this.options.concurrency;
  }

  /** 1-based position among waiting jobs, or null. */
  position(id: string): number | null {
    const index = this.waiting.indexOf(id);
    return index < 0 ? null : index + 1;
  }

  /** Seconds a refused client should wait: the expected time until a slot frees up. */
  retryAfterSeconds(): number {
    const average = this.recentDurationsMs.length
      ? this.recentDurationsMs.reduce((a, b) => a + b, 0) / this.recentDurationsMs.length
      : 30_000;
    return Math.max(1, Math.ceil(average / 1000 / this.options.concurrency));
  }

  /** Throws `queue_full` or `shutting_down` when a new job cannot be accepted now. */
  assertAccepting(): void {
    if (!this.accepting)
      throw new I2vError("shutting_down", "The service is shutting down and accepts no new jobs.");
    if (this.waiting.length + this.reserved >= this.options.capacity) {
      throw new I2vError("queue_full", `The queue is full (${this.options.capacity} waiting).`, {
        retry_after_s: this.retryAfterSeconds(),
      });
    }
  }

  /** Persists and enqueues an accepted job. */
  async submit(job: Job, image: Uint8Array): Promise<void> {
    this.assertAccepting();
    // Reserve the slot before the disk write, so concurrent submits cannot overfill the queue; the
    // id joins the line only once the job is in the store, or a pump meanwhile would drop it.
    this.reserved += 1;
    try {
      await this.store.create(job, image);
    } finally {
      this.reserved -= 1;
    }
    this.waiting.push(job.id);
    this.emit("update", job);
    this.pump();
  }

  /**
   * After a restart: queued jobs go back in line; jobs that were running are requeued once, and
   * failed with `interrupted` if they were already interrupted before (a job that kills the process).
   */
  async recover(): Promise<{ requeued: string[]; failed: string[] }> {
    const requeued: string[] = [];
    const failed: string[] = [];
    const pending = this.store.all().filter((j) => j.status === "queued" || j.status === "running");
    pending.sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const job of pending) {
      if (job.status === "running") {
        job.attempts += 1;
        if (job.attempts >= 2) {
          await this.finish(
            job,
            "failed",
            undefined,
            new I2vError(
              "interrupted",
              "The service stopped twice while this job ran; it was not retried again.",
            ),
          );
          failed.push(job.id);
          continue;
        }
        job.status = "queued";
        job.started_at = null;
        job.progress = null;
        await this.store.save(job);
      }
      this.waiting.push(job.id);
      requeued.push(job.id);
    }
    this.pump();
    return { requeued, failed };
  }

  /** Cancels a queued job at once, or a running one between steps. */
  async cancel(id: string): Promise<Job | undefined> {
    const job = this.store.get(id);
    if (!job) return undefined;
    const index = this.waiting.indexOf(id);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      await this.finish(
        job,
        "canceled",
        undefined,
        new I2vError("canceled", "The job was canceled before it started."),
      );
      this.pump();
    } else if (job.status === "running") {
      this.engine.cancel(id, "canceled");
    }
    return job;
  }

  /**
   * Stops accepting, lets running jobs finish until the deadline, then interrupts them; they are
   * put back in the queue on disk, so the next start runs them again.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.accepting = false;
    this.waiting.length = 0;
    const until = Date.now() + deadlineMs;
    while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const id of this.running.keys()) this.engine.cancel(id, "interrupted");
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    while (this.accepting && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift() as string;
      const job = this.store.get(id);
      if (!job) continue;
      void this.start(job);
    }
  }

  private async start(job: Job): Promise<void> {
    const deadline = setTimeout(
      () => this.engine.cancel(job.id, "deadline_exceeded"),
      this.options.deadlineMs,
    );
    this.running.set(job.id, deadline);
    this.admission.reserve(job.id, job.estimated_mb);
    const started = Date.now();
    try {
      job.status = "running";
      job.started_at = new Date(started).toISOString();
      await this.store.save(job);
      this.emit("update", job);
      const image = await this.store.readInput(job.id);
      let lastSaved = 0;
      const result = await this.engine.generate(
        job.id,
        job.params,
        image,
        this.store.videoPath(job.id),
        (progress) => {
          job.progress = progress;
          this.emit("update", job);
          // Progress is advisory: persist it at most once a second.
          if (Date.now() - lastSaved > 1000) {
            lastSaved = Date.now();
            void this.store.save(job).catch(() => undefined);
          }
        },
        this.options.imageLimits,
      );
      this.recentDurationsMs = [...this.recentDurationsMs.slice(-9), Date.now() - started];
      this.admission.observe(
        result.width,
        result.height,
        result.frames,
        result.peakRssMb - result.startRssMb,
      );
      await this.finish(job, "succeeded", result);
    } catch (error) {
      const failure = error instanceof I2vError ? error : new I2vError("internal", (error as Error).message);
      if (failure.code === "interrupted" && !this.accepting) {
        // Drained for shutdown: back in line on disk for the next start.
        job.status = "queued";
        job.started_at = null;
        job.progress = null;
        await this.store.save(job).catch(() => undefined);
      } else {
        await this.finish(job, failure.code === "canceled" ? "canceled" : "failed", undefined, failure).catch(
          () => undefined,
        );
      }
    } finally {
      clearTimeout(deadline);
      this.running.delete(job.id);
      this.admission.release(job.id);
      this.pump();
    }
  }

  private async finish(
    job: Job,
    status: Job["status"],
    result?: GenerateResult,
    error?: I2vError,
  ): Promise<void> {
    markFinished(job, status, result, error);
    await this.store.save(job);
    this.emit("update", job);
    this.emit("finished", job, result);
  }
}
