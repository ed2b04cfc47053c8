import type { InferenceEngine } from "../engine/engine.ts";
import { I2vError } from "../errors.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { ImageLimits } from "../pipeline/image-input.ts";
import { sleep } from "../util/sleep.ts";
import { addEvent, wantsEvent } from "../webhooks/outbox.ts";
import type { Admission } from "./admission.ts";
import { type Job, markFinished } from "./job.ts";

/**
 * Where the lifecycle writes what happens to a job: the single box's files or the shared Redis
 * records. The one interface both modes implement, so the steps of a job are written once.
 */
export interface JobLedger {
  /** Writes the record durably (with its webhook outbox), then tells every follower. */
  save(job: Job): Promise<void>;
  /** Tells followers about a progress step without writing (advisory). */
  announce(job: Job): void;
  /** Once per job end, after the record is saved: logs and metrics. */
  ended(job: Job, result: GenerateResult | undefined): void;
  /** Remembers how long a successful run took (the Retry-After estimate). */
  recordDuration(ms: number): Promise<void>;
}

/** How a job ends: with a result, or with the error that ended it. */
export type JobEnd =
  | { status: "succeeded"; result: GenerateResult }
  | { status: "failed" | "canceled"; error: I2vError };

/**
 * Every job end goes through here, whoever ends it (a runner, a cancel, a restart's recovery, the
 * shared queue's reconcile): record the end, add the `completed` webhook event, save, announce.
 */
export async function endJob(ledger: JobLedger, job: Job, end: JobEnd): Promise<void> {
  const result = end.status === "succeeded" ? end.result : undefined;
  markFinished(job, end.status, result, end.status === "succeeded" ? undefined : end.error);
  addEvent(job, "completed");
  await ledger.save(job);
  ledger.ended(job, result);
}

/** The end of a job canceled while it waited. */
export function canceledBeforeStart(): JobEnd {
  return { status: "canceled", error: new I2vError("canceled", "The job was canceled before it started.") };
}

/**
 * A job whose record still says `running` when a runner takes it was lost by the last one (a
 * crash, a killed worker): that counts as an attempt. A job that ran once reports 0 in both modes.
 */
export function takeOver(job: Job): void {
  if (job.status !== "running") return;
  job.attempts += 1;
  job.status = "queued";
  job.started_at = null;
  job.progress = null;
}

/**
 * Seconds a refused client should wait: recent run times (or `defaultMs` before any) over the
 * jobs that can run at once.
 */
export function retryAfterSeconds(
  recentMs: readonly number[],
  concurrency: number,
  defaultMs = 30_000,
): number {
  const average = recentMs.length ? recentMs.reduce((a, b) => a + b, 0) / recentMs.length : defaultMs;
  return Math.max(1, Math.ceil(average / 1000 / Math.max(1, concurrency)));
}

export interface RunnerOptions {
  deadlineMs: number;
  imageLimits?: ImageLimits;
  /** Progress webhook events are added at most this often per job. */
  progressEventMs: number;
}

/** How a run ended: the job's end, or `requeued` when a drain handed it back unfinished. */
export type RunOutcome = JobEnd["status"] | "requeued";

export interface RunPlan {
  /** Memory held for the job while it runs (MiB). */
  estimatedMb: number;
  /** Where the engine writes the video. */
  output: string;
  /** Makes the finished video durable where the API serves it (a no-op when `output` is there). */
  keep(output: string): Promise<void>;
}

/**
 * Runs jobs on the loaded engine, for the embedded queue and the shared worker alike: the deadline
 * timer, the memory reservation, the running and progress saves, the webhook events, the job's end,
 * and the drain. A failure of the job itself (the engine's error) ends the job; a failure of the
 * ledger or the storage is thrown, for the caller to decide (the single box fails the job, a worker
 * hands it back to the queue).
 */
export class JobRunner {
  private readonly running = new Set<string>();
  private draining = false;

  constructor(
    private readonly ledger: JobLedger,
    private readonly engine: InferenceEngine,
    private readonly admission: Admission,
    private readonly options: RunnerOptions,
  ) {}

  get runningCount(): number {
    return this.running.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Stops a running job between steps (`canceled` by its client, `interrupted` by a drain). */
  cancel(id: string, reason: "canceled" | "interrupted" = "canceled"): void {
    if (this.running.has(id)) this.engine.cancel(id, reason);
  }

  async run(job: Job, image: Uint8Array, plan: RunPlan): Promise<RunOutcome> {
    const id = job.id;
    const deadline = setTimeout(() => this.engine.cancel(id, "deadline_exceeded"), this.options.deadlineMs);
    this.running.add(id);
    this.admission.reserve(id, plan.estimatedMb);
    const started = Date.now();
    try {
      job.status = "running";
      job.started_at = new Date(started).toISOString();
      job.progress = null;
      addEvent(job, "started");
      await this.ledger.save(job);
      let lastSaved = 0;
      let lastEvent = 0;
      const result = await this.engine
        .generate(
          id,
          job.params,
          image,
          plan.output,
          (progress) => {
            // A step reported after the job ended (the engine's messages can trail its result) is dropped.
            if (job.status !== "running") return;
            job.progress = progress;
            const now = Date.now();
            const event = wantsEvent(job, "progress") && now - lastEvent >= this.options.progressEventMs;
            if (event) {
              lastEvent = now;
              addEvent(job, "progress");
            }
            // Progress is advisory: every step reaches the followers, the record once a second
            // (or with a progress event, which must be durable before it is delivered).
            if (event || now - lastSaved > 1000) {
              lastSaved = now;
              void this.ledger.save(job).catch(() => undefined);
            } else this.ledger.announce(job);
          },
          this.options.imageLimits,
        )
        .catch((error: unknown) => {
          throw new JobFailure(error);
        });
      await plan.keep(plan.output);
      this.admission.observe(
        result.width,
        result.height,
        result.frames,
        result.peakRssMb - result.startRssMb,
      );
      await this.ledger.recordDuration(Date.now() - started);
      await endJob(this.ledger, job, { status: "succeeded", result });
      return "succeeded";
    } catch (error) {
      if (!(error instanceof JobFailure)) throw error;
      const failure = error.failure;
      if (failure.code === "interrupted" && this.draining) {
        // Drained: back in line, as if never started (the next runner does not count it as lost).
        job.status = "queued";
        job.started_at = null;
        job.progress = null;
        await this.ledger.save(job);
        return "requeued";
      }
      const status = failure.code === "canceled" ? "canceled" : "failed";
      await endJob(this.ledger, job, { status, error: failure });
      return status;
    } finally {
      clearTimeout(deadline);
      this.running.delete(id);
      this.admission.release(id);
    }
  }

  /**
   * SIGTERM: lets running jobs finish until the deadline, then stops them between steps; each run
   * then ends `requeued`. Resolves once nothing runs.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    const until = Date.now() + deadlineMs;
    while (this.running.size > 0 && Date.now() < until) await sleep(50);
    for (const id of this.running) this.engine.cancel(id, "interrupted");
    while (this.running.size > 0) await sleep(20);
  }
}

/** An error of the job itself (from the engine), as opposed to the ledger's or the storage's. */
class JobFailure extends Error {
  readonly failure: I2vError;
  constructor(error: unknown) {
    super((error as Error).message);
    this.failure = asJobError(error);
  }
}

/** Any error as the I2vError a job record carries (`internal` for the unexpected). */
export function asJobError(error: unknown): I2vError {
  return error instanceof I2vError ? error : new I2vError("internal", (error as Error).message);
}
