import { EventEmitter } from "node:events";
import { Job as BullJob, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { I2vError } from "../errors.ts";
import { type Job, TERMINAL } from "../jobs/job.ts";
import { canceledBeforeStart, endJob, retryAfterSeconds } from "../jobs/lifecycle.ts";
import type { Storage } from "../storage/port.ts";
import type { JobEvents, JobQueuePort, QueueCounts } from "./port.ts";
import { liveWorkers } from "./published-model.ts";
import {
  assertNoEviction,
  BULL_PREFIX,
  connect,
  KEYS,
  ping,
  QUEUE_NAME,
  quietReconnects,
  reachRedis,
} from "./redis.ts";
import { RedisJobRecords } from "./redis-records.ts";

/** What a BullMQ job carries: the id, and the request fields when the API had no published model yet. */
export interface QueuedData {
  id: string;
  /** Set when defaults still have to come from the worker's model (no worker had published yet). */
  fields?: Record<string, unknown>;
}

export interface SharedQueueOptions {
  /** Waiting jobs per worker in service (at least one) before new ones get 429. */
  capacityPerWorker: number;
  /** Seconds a job would wait when no run time has been measured yet. */
  defaultJobSeconds?: number;
}

/**
 * The API role's queue port: job records in Redis, delivery by BullMQ. A submission stores the
 * input, writes the record, then adds the BullMQ job under the same id (adding twice is a no-op,
 * so a record whose enqueue was cut off by a crash is enqueued again by the next read of it).
 * Every step that reaches Redis answers `backend_unavailable` (503) when Redis does not.
 */
export class SharedQueue extends EventEmitter<JobEvents> implements JobQueuePort {
  readonly kind = "shared" as const;
  readonly records: RedisJobRecords;
  private readonly queue: Queue<QueuedData>;
  private readonly events: QueueEvents;
  private readonly subscriber: Redis;
  private accepting = true;
  /** True until a worker has published its model: submissions then carry their fields (see QueuedData). */
  provisional = false;

  private constructor(
    readonly redis: Redis,
    url: string,
    private readonly storage: Storage,
    private readonly options: SharedQueueOptions,
    logger: Logger,
  ) {
    super();
    this.setMaxListeners(0);
    this.records = new RedisJobRecords(redis);
    this.queue = new Queue<QueuedData>(QUEUE_NAME, {
      connection: connect(url, "bullmq"),
      prefix: BULL_PREFIX,
    });
    this.queue.on("error", (error) => logger.warn({ err: error }, "queue connection error"));
    this.events = new QueueEvents(QUEUE_NAME, { connection: connect(url, "bullmq"), prefix: BULL_PREFIX });
    this.events.on("error", (error) => logger.warn({ err: error }, "queue events connection error"));
    // A job that stalled too often is failed by BullMQ itself, with no worker left to say so.
    this.events.on("failed", ({ jobId }) => void this.get(jobId).catch(() => undefined));
    this.subscriber = quietReconnects(redis.duplicate());
    this.subscriber.on("message", (_channel, text: string) => {
      const job = JSON.parse(text) as Job;
      this.emit("update", job);
      if (TERMINAL.has(job.status)) this.emit("finished", job, undefined);
    });
  }

  static async open(
    url: string,
    storage: Storage,
    options: SharedQueueOptions,
    logger: Logger,
  ): Promise<SharedQueue> {
    const redis = connect(url);
    await ping(redis);
    await assertNoEviction(redis);
    const jobs = new SharedQueue(redis, url, storage, options, logger);
    await jobs.subscriber.subscribe(KEYS.updates);
    await jobs.events.waitUntilReady();
    return jobs;
  }

  get(id: string): Promise<Job | undefined> {
    return reachRedis("answer", async () => {
      const job = await this.records.get(id);
      if (!job || TERMINAL.has(job.status)) return job;
      return this.reconcile(job);
    });
  }

  /**
   * Brings a record in line with BullMQ when no worker could: a job BullMQ failed after too many
   * stalls is `interrupted`; a queued record with no BullMQ job (the API died between the two
   * writes) is enqueued again.
   */
  private async reconcile(job: Job): Promise<Job> {
    const bull = await BullJob.fromId<QueuedData>(this.queue, job.id);
    if (!bull) {
      if (job.status === "queued") await this.enqueue({ id: job.id });
      return job;
    }
    if ((await bull.getState()) !== "failed") return job;
    const latest = (await this.records.get(job.id)) ?? job;
    if (TERMINAL.has(latest.status)) return latest;
    const error = new I2vError(
      "interrupted",
      `The job was interrupted ${bull.stalledCounter ?? bull.attemptsStarted} times (a worker stopped while running it) and was not retried again: ${bull.failedReason}`,
    );
    await endJob(this.records, latest, { status: "failed", error });
    return latest;
  }

  async findByClientId(clientId: string): Promise<Job | undefined> {
    const id = await reachRedis("answer", () => this.redis.hget(KEYS.clientIds, clientId));
    return id ? this.get(id) : undefined;
  }

  list(limit: number): Promise<Job[]> {
    return reachRedis("answer", async () =>
      this.records.many(await this.redis.zrevrange(KEYS.created, 0, limit - 1)),
    );
  }

  position(id: string): Promise<number | null> {
    return reachRedis("answer", async () => {
      // BullMQ pushes new jobs on the left of its wait list and workers take from the right.
      const key = this.queue.keys.wait as string;
      const [index, length] = await Promise.all([this.redis.lpos(key, id), this.redis.llen(key)]);
      return index === null ? null : length - index;
    });
  }

  counts(): Promise<QueueCounts> {
    return reachRedis("answer", async () => {
      const [c, workers] = await Promise.all([
        this.queue.getJobCounts("waiting", "active", "delayed", "prioritized"),
        liveWorkers(this.redis),
      ]);
      const concurrency = workers.reduce((sum, w) => sum + w.concurrency, 0);
      return {
        waiting: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0),
        running: c.active ?? 0,
        capacity: this.options.capacityPerWorker * Math.max(1, workers.length),
        concurrency,
        workers: workers.length,
      };
    });
  }

  async assertAccepting(): Promise<void> {
    if (!this.accepting)
      throw new I2vError("shutting_down", "The service is shutting down and accepts no new jobs.");
    const counts = await this.counts();
    if (counts.waiting >= counts.capacity) {
      const recent = await reachRedis("answer", () => this.records.recentDurations());
      throw new I2vError(
        "queue_full",
        `The shared queue is full (${counts.waiting} waiting for ${counts.workers} worker(s)).`,
        {
          retry_after_s: retryAfterSeconds(
            recent,
            counts.concurrency,
            (this.options.defaultJobSeconds ?? 30) * 1000,
          ),
        },
      );
    }
  }

  /** Input in storage, record in Redis, then the BullMQ job: a 202 means all three are durable. */
  async submit(job: Job, image: Uint8Array, fields?: Record<string, unknown>): Promise<void> {
    await this.storage.putInput(job.id, image);
    await reachRedis("take the job", async () => {
      if (job.client_id) await this.redis.hsetnx(KEYS.clientIds, job.client_id, job.id);
      await this.records.save(job);
    });
    await this.enqueue({
      id: job.id,
      ...(fields && this.provisional ? { fields: { ...fields, seed: job.params.seed } } : {}),
    });
  }

  private async enqueue(data: QueuedData): Promise<void> {
    try {
      // One delivery per BullMQ attempt; redelivery after a lost worker is the stall count's job.
      await this.queue.add("generate", data, {
        jobId: data.id,
        attempts: 1,
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    } catch (error) {
      throw new I2vError(
        "backend_unavailable",
        `Could not enqueue job ${data.id}: ${(error as Error).message}`,
      );
    }
  }

  async cancel(id: string): Promise<Job | undefined> {
    const job = await this.get(id);
    if (!job || TERMINAL.has(job.status)) return job;
    return reachRedis("answer", async () => {
      // Every worker checks this key before it starts a job, and hears the channel while it runs one.
      await this.redis.set(KEYS.cancel(id), "1", "EX", 7 * 24 * 3600);
      const bull = await BullJob.fromId<QueuedData>(this.queue, id);
      const state = bull ? await bull.getState() : "unknown";
      if (bull && ["waiting", "delayed", "prioritized"].includes(state)) {
        const removed = await bull.remove().then(
          () => true,
          () => false, // taken by a worker meanwhile: it sees the cancel key
        );
        if (removed) {
          const latest = (await this.records.get(id)) ?? job;
          await endJob(this.records, latest, canceledBeforeStart());
          return latest;
        }
      }
      await this.redis.publish(KEYS.cancels, id);
      return (await this.records.get(id)) ?? job;
    });
  }

  async check(): Promise<void> {
    await ping(this.redis);
  }

  async drain(): Promise<void> {
    this.accepting = false;
  }

  /** Stops accepting and closes the connections (the API's jobs are already durable in the shared queue). */
  async close(): Promise<void> {
    this.accepting = false;
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}
