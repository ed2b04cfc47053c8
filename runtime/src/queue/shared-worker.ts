import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { type Job as BullJob, DelayedError, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { InferenceEngine } from "../engine/engine.ts";
import { I2vError } from "../errors.ts";
import type { Admission } from "../jobs/admission.ts";
import { type Job, TERMINAL } from "../jobs/job.ts";
import { canceledBeforeStart, endJob, JobRunner, takeOver } from "../jobs/lifecycle.ts";
import { modelDefaults, outputSizeFor, presetsFor } from "../pipeline/family.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import { type ImageLimits, inspectImage } from "../pipeline/image-input.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import { resolveParams } from "../pipeline/params.ts";
import type { Storage } from "../storage/port.ts";
import { beat, leave, type PublishedModel, publishModel } from "./published-model.ts";
import { BULL_PREFIX, connect, HEARTBEAT_MS, KEYS, QUEUE_NAME, quietReconnects } from "./redis.ts";
import { RedisJobRecords } from "./redis-records.ts";
import type { QueuedData } from "./shared-queue.ts";

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
  /** Progress webhook events at most this often per job (I2V_WEBHOOK settings). */
  progressEventMs: number;
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
  private readonly records: RedisJobRecords;
  private readonly runner: JobRunner;
  private readonly subscriber: Redis;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    url: string,
    private readonly storage: Storage,
    engine: InferenceEngine,
    private readonly admission: Admission,
    private readonly manifest: Manifest,
    private readonly options: SharedWorkerOptions,
    private readonly logger: Logger,
    onFinished: (job: Job, result: GenerateResult | undefined) => void,
  ) {
    this.records = new RedisJobRecords(redis, onFinished);
    this.runner = new JobRunner(this.records, engine, admission, options);
    this.subscriber = quietReconnects(redis.duplicate());
    this.subscriber.on("message", (_channel, id: string) => this.runner.cancel(id));
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
    return this.runner.runningCount;
  }

  /** Publishes the model, starts the heartbeat and starts taking jobs. */
  async start(model: PublishedModel): Promise<void> {
    await mkdir(this.options.scratchDir, { recursive: true });
    await this.subscriber.subscribe(KEYS.cancels);
    await publishModel(this.redis, model);
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  private async beat(): Promise<void> {
    await beat(this.redis, {
      id: this.options.workerId,
      concurrency: this.runner.isDraining ? 0 : this.options.concurrency,
      running: this.runner.runningCount,
      memory: await this.admission.reading(),
      updated_at: Date.now(),
    });
  }

  /**
   * SIGTERM: take no new job; let running ones finish until the deadline, then stop them between
   * steps and hand them back to the queue (another worker takes them at once).
   */
  async drain(deadlineMs: number): Promise<void> {
    const drained = this.runner.drain(deadlineMs);
    clearInterval(this.heartbeat);
    await leave(this.redis, this.options.workerId).catch(() => undefined);
    const closed = this.worker.close();
    await drained;
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
      await endJob(this.records, job, canceledBeforeStart());
      return "canceled";
    }
    const image = await this.storage.getInput(id);
    if (bull.data.fields) await this.resolveWithModel(job, bull.data.fields, image);
    const verdict = await this.admission.check(job.size.width, job.size.height, job.params.num_frames);
    if (!verdict.fits) {
      if (this.runner.runningCount > 0) {
        // Room frees up when this worker's other jobs end: back in line for a second.
        await bull.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      const error = new I2vError(
        "insufficient_memory",
        `This job ${verdict.reason} on worker ${this.options.workerId}.`,
      );
      await endJob(this.records, job, { status: "failed", error });
      throw new UnrecoverableError(error.message);
    }
    takeOver(job); // a record still `running` was lost with its last worker: that was an attempt
    job.worker_id = this.options.workerId;
    const scratch = path.join(this.options.scratchDir, `${id}.mp4`);
    try {
      const outcome = await this.runner.run(job, image, {
        estimatedMb: verdict.neededMb,
        output: scratch,
        keep: (file) => this.storage.putVideo(id, file),
      });
      if (outcome === "requeued") {
        // Drained: back in line at once for another worker, as if never started.
        await bull.moveToWait(token);
        this.logger.info({ job_id: id }, "draining: job handed back to the queue");
        throw new WaitingError();
      }
      if (outcome === "failed") throw new UnrecoverableError(`${job.error?.code}: ${job.error?.message}`);
      return outcome;
    } finally {
      await rm(scratch, { force: true }).catch(() => undefined);
    }
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
}
