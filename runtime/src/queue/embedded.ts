import { EventEmitter } from "node:events";
import { I2vError } from "../errors.ts";
import type { Job } from "../jobs/job.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { JobStore } from "../jobs/store.ts";
import type { JobEvents, JobQueuePort, QueueCounts } from "./port.ts";

/**
 * The single box's queue behind the port: records from the file-backed store (readable while the
 * model loads), submissions and cancels through the in-process queue once it exists.
 */
export class EmbeddedJobs extends EventEmitter<JobEvents> implements JobQueuePort {
  readonly kind = "embedded" as const;
  private queue: JobQueue | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly capacity: number,
    private readonly concurrency: number,
  ) {
    super();
    // One listener per SSE follower (see JobQueue).
    this.setMaxListeners(0);
  }

  /** Connects the queue built once the model is loaded; its events become the port's. */
  attach(queue: JobQueue): void {
    this.queue = queue;
    queue.on("update", (job) => this.emit("update", job));
    queue.on("finished", (job, result) => this.emit("finished", job, result));
  }

  /** SIGTERM: stop accepting, finish or requeue the running jobs within the deadline. */
  async drain(timeoutMs: number): Promise<void> {
    await this.queue?.drain(timeoutMs);
  }

  private loaded(): JobQueue {
    if (!this.queue) throw new I2vError("model_not_ready", "The model is still loading.");
    return this.queue;
  }

  async get(id: string): Promise<Job | undefined> {
    return this.store.get(id);
  }

  async findByClientId(clientId: string): Promise<Job | undefined> {
    return this.store.findByClientId(clientId);
  }

  async list(limit: number): Promise<Job[]> {
    return this.store.list(limit);
  }

  async position(id: string): Promise<number | null> {
    return this.queue?.position(id) ?? null;
  }

  async counts(): Promise<QueueCounts> {
    return {
      waiting: this.queue?.waitingCount ?? 0,
      running: this.queue?.runningCount ?? 0,
      capacity: this.capacity,
      concurrency: this.concurrency,
      workers: 1,
    };
  }

  async assertAccepting(): Promise<void> {
    this.loaded().assertAccepting();
  }

  submit(job: Job, image: Uint8Array): Promise<void> {
    return this.loaded().submit(job, image);
  }

  async cancel(id: string): Promise<Job | undefined> {
    if (!this.queue) return this.store.get(id);
    return this.queue.cancel(id);
  }

  async check(): Promise<void> {}
}
