import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { type Job as BullJob, DelayedError, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { InferenceEngine } from "../engine/engine.ts";
import { I2vError } from "../errors.ts";
import type { Admission } from "../jobs/admission.ts";
import { type Job, markFinished, TERMINAL } from "../jobs/job.ts";
import { modelDefaults, outputSizeFor, presetsFor } from "../pipeline/family.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import { type ImageLimits, inspectImage } from "../pipeline/image-input.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import { resolveParams } from "../pipeline/params.ts";
import type { Storage } from "../storage/port.ts";
import { beat, leave, publishCatalog } from "./catalog.ts";
import { BULL_PREFIX, connect, HEARTBEAT_MS, KEYS, QUEUE_NAME, quietReconnects } from "./redis.ts";
import { JobRecords, type QueuedData } from "./shared-jobs.ts";

export interface SharedWorkerOptions {
  workerId: string;
  concurrency: number;
  /**
   * BullMQ's lock on a running job: renewed every half of it while the worker lives (ORT runs off
   * the event loop, so a long step does not starve the renewal); a killed worker's job is taken
   * again at most lease + lease/2 later, when the next stall check finds the lock gone.
   */
  leaseMs: number;
  /** Deliveries of one job (the first and the redeliveries after lost workers) before `interrupted`. */
  attempts: number;
  deadlineMs: number;
  imageLimits?: ImageLimits;
  /** Local folder for videos while they are encoded, before the upload. */
  scratchDir: string;
}

/**
 * The worker role's loop: takes jobs from the shared queue within its memory admission, runs
 * them on the loaded engine, writes the video to storage under the job id (a second run replaces
 * it with the same bytes' equal), and records which worker ran which attempt.
 */
export class SharedWorker {
  private readonly worker: Worker<QueuedData>;
  private readonly records: JobRecords;
  private readonly subscriber: Redis;
  private readonly running = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(
    private readonly redis: Redis,
    url: string,
    private readonly storage: Storage,
    private readonly engine: InferenceEngine,
    private readonly admission: Admission,
    private readonly manifest: Manifest,
    private readonly options: SharedWorkerOptions,
    private readonly logger: Logger,
    private readonly onFinished: (job: Job, result: GenerateResult | undefined) => void,
  ) {
    this.records = new JobRecords(redis);
    this.subscriber = quietReconnects(redis.duplicate());
    this.subscriber.on("message", (_channel, id: string) => {
      if (this.running.has(id)) engine.cancel(id, "canceled");
    });
    this.worker = new Worker<QueuedData>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: connect(url, "bullmq"),
      prefix: BULL_PREFIX,
      concurrency: options.concurrency,
      autorun: false,
      lockDuration: options.leaseMs,
      stalledInterval: Math.max(1000, Math.floor(options.leaseMs / 2)),
      maxStalledCount: Math.max(0, options.attempts - 1),
      name: options.workerId,
    });
    this.worker.on("error", (error) => logger.warn({ err: error }, "worker queue error"));
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** Publishes the model, starts the heartbeat and starts taking jobs. */
  async start(catalog: Parameters<typeof publishCatalog>[1]): Promise<void> {
    await mkdir(this.options.scratchDir, { recursive: true });
    await this.subscriber.subscribe(KEYS.cancels);
    await publishCatalog(this.redis, catalog);
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  private async beat(): Promise<void> {
    await beat(this.redis, {
      id: this.options.workerId,
      concurrency: this.draining ? 0 : this.options.concurrency,
      running: this.running.size,
      memory: await this.admission.reading(),
      updated_at: Date.now(),
    });
  }

  /**
   * SIGTERM: take no new job; let running ones finish until the deadline, then stop them between
   * steps and hand them back to the queue (another worker takes them at once).
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.heartbeat);
    await leave(this.redis, this.options.workerId).catch(() => undefined);
    const closed = this.worker.close();
    const until = Date.now() + deadlineMs;
    while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const id of this.running) this.engine.cancel(id, "interrupted");
    await closed;
    this.subscriber.disconnect();
  }

  /**
   * A job fails only for what the job itself did (the engine's errors). When Redis or storage
   * fail under it, it goes back to the queue for a later try (or, with Redis gone, its lease runs
   * out and BullMQ delivers it again): an outage never fails an accepted job.
   */
  private async process(bull: BullJob<QueuedData>, token: string | undefined): Promise<string> {
    try {
      return await this.attempt(bull, token);
    } catch (error) {
      if (
        error instanceof DelayedError ||
        error instanceof WaitingError ||
        error instanceof UnrecoverableError
      )
        throw error;
      this.logger.warn(
        { err: error, job_id: bull.data.id },
        "queue or storage failed under a job; retrying it",
      );
      await bull.moveToDelayed(Date.now() + 2000, token);
      throw new DelayedError();
    }
  }

  private async attempt(bull: BullJob<QueuedData>, token: string | undefined): Promise<string> {
    const id = bull.data.id;
    const job = await this.records.get(id);
    if (!job) throw new UnrecoverableError(`job ${id} has no record`);
    if (TERMINAL.has(job.status)) return job.status; // a redelivery of a job that already ended
    if (await this.redis.exists(KEYS.cancel(id))) {
      await this.finish(
        job,
        "canceled",
        undefined,
        new I2vError("canceled", "The job was canceled before it started."),
      );
      return "canceled";
    }
    const image = await this.storage.getInput(id);
    if (bull.data.fields) await this.resolveWithModel(job, bull.data.fields, image);
    const verdict = await this.admission.check(job.size.width, job.size.height, job.params.num_frames);
    if (!verdict.fits) {
      if (this.running.size > 0) {
        // Room frees up when this worker's other jobs end: back in line for a second.
        await bull.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      const error = new I2vError(
        "insufficient_memory",
        `This job ${verdict.reason} on worker ${this.options.workerId}.`,
      );
      await this.finish(job, "failed", undefined, error);
      throw new UnrecoverableError(error.message);
    }
    return this.run(bull, token, job, image, verdict.neededMb);
  }

  /** No worker had published the model when the API took this job: its defaults are applied now. */
  private async resolveWithModel(
    job: Job,
    fields: Record<string, unknown>,
    image: Uint8Array,
  ): Promise<void> {
    job.params = resolveParams(fields, modelDefaults(this.manifest), presetsFor(this.manifest));
    const source = await inspectImage(image, this.options.imageLimits);
    job.size = outputSizeFor(this.manifest, source, job.params);
  }

  private async run(
    bull: BullJob<QueuedData>,
    token: string | undefined,
    job: Job,
    image: Uint8Array,
    estimatedMb: number,
  ): Promise<string> {
    const id = job.id;
    const deadline = setTimeout(() => this.engine.cancel(id, "deadline_exceeded"), this.options.deadlineMs);
    this.running.add(id);
    this.admission.reserve(id, estimatedMb);
    const scratch = path.join(this.options.scratchDir, `${id}.mp4`);
    const started = Date.now();
    try {
      job.status = "running";
      job.started_at = new Date(started).toISOString();
      job.progress = null;
      job.attempts += 1;
      job.worker_id = this.options.workerId;
      await this.records.save(job);
      let lastSaved = 0;
      const generated = this.engine.generate(
        id,
        job.params,
        image,
        scratch,
        (progress) => {
          job.progress = progress;
          // Every step reaches the API's SSE followers; the record and BullMQ's progress once a second.
          void this.redis.publish(KEYS.updates, JSON.stringify(job)).catch(() => undefined);
          if (Date.now() - lastSaved > 1000) {
            lastSaved = Date.now();
            void this.records.save(job).catch(() => undefined);
            void bull.updateProgress(progress).catch(() => undefined);
          }
        },
        this.options.imageLimits,
      );
      const result = await generated.catch((error: unknown) => {
        throw new JobFailure(error);
      });
      await this.storage.putVideo(id, scratch);
      this.admission.observe(
        result.width,
        result.height,
        result.frames,
        result.peakRssMb - result.startRssMb,
      );
      await this.redis
        .multi()
        .lpush(KEYS.durations, String(Date.now() - started))
        .ltrim(KEYS.durations, 0, 9)
        .exec();
      await this.finish(job, "succeeded", result);
      return "succeeded";
    } catch (error) {
      if (!(error instanceof JobFailure)) throw error; // the queue or storage: see process()
      const failure = error.failure;
      if (failure.code === "interrupted" && this.draining) {
        // Drained: back in line at once for another worker, as if never started.
        job.status = "queued";
        job.started_at = null;
        job.progress = null;
        await this.records.save(job);
        await bull.moveToWait(token);
        this.logger.info({ job_id: id }, "draining: job handed back to the queue");
        throw new WaitingError();
      }
      await this.finish(job, failure.code === "canceled" ? "canceled" : "failed", undefined, failure);
      if (failure.code === "canceled") return "canceled";
      throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
    } finally {
      clearTimeout(deadline);
      this.running.delete(id);
      this.admission.release(id);
      await rm(scratch, { force: true }).catch(() => undefined);
    }
  }

  private async finish(
    job: Job,
    status: Job["status"],
    result?: GenerateResult,
    error?: I2vError,
  ): Promise<void> {
    markFinished(job, status, result, error);
    await this.records.save(job);
    this.onFinished(job, result);
  }
}

/** An error of the job itself (from the engine), as opposed to the queue's or storage's. */
class JobFailure extends Error {
  readonly failure: I2vError;
  constructor(error: unknown) {
    super((error as Error).message);
    this.failure = error instanceof I2vError ? error : new I2vError("internal", (error as Error).message);
  }
}
