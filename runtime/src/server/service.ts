import { appendFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import type { InferenceEngine } from "../engine/engine.ts";
import type { Admission } from "../jobs/admission.ts";
import type { Job } from "../jobs/job.ts";
import type { RequestModel } from "../pipeline/family.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { ModelInfo } from "../pipeline/model.ts";
import type { JobQueuePort } from "../queue/port.ts";
import type { Storage } from "../storage/port.ts";
import { ServiceMetrics } from "./metrics.ts";

/**
 * The parts that exist only once a model is known: loaded here (the single box, a worker), or as
 * the workers publish it (the API role, which loads none; then there is no engine).
 */
export interface LoadedParts {
  engine?: InferenceEngine;
  admission: Admission;
  manifest: RequestModel;
  info?: ModelInfo;
}

/** How a role composes the service: the queue port and the storage port (the same two in every role). */
export interface ServiceBackends {
  jobs: JobQueuePort;
  storage: Storage;
}

/**
 * What the HTTP app needs, in one object: config, the job queue and storage ports, and (once the
 * model is known) admission and manifest. The app answers /livez at once and the rest when ready.
 */
export class Service {
  loaded: LoadedParts | undefined;
  readonly metrics: ServiceMetrics;
  readonly startedAt = new Date();
  readonly jobs: JobQueuePort;
  readonly storage: Storage;

  constructor(
    readonly config: ServiceConfig,
    backends: ServiceBackends,
    readonly logger: Logger,
    readonly version: string,
  ) {
    this.jobs = backends.jobs;
    this.storage = backends.storage;
    this.metrics = new ServiceMetrics({
      waiting: async () => (await this.jobs.counts().catch(() => undefined))?.waiting ?? 0,
      running: async () => (await this.jobs.counts().catch(() => undefined))?.running ?? 0,
      ready: () => this.loaded !== undefined,
      memory: async () => (this.loaded ? this.loaded.admission.reading() : { totalMb: 0, freeMb: 0 }),
    });
  }

  get modelInfo(): ModelInfo | undefined {
    return this.loaded?.engine?.info ?? this.loaded?.info;
  }

  /** Logs and counts every job the queue finishes (attached before recovery restarts old jobs). */
  observe(queue: {
    on(event: "finished", listener: (job: Job, result: GenerateResult | undefined) => void): unknown;
  }): void {
    queue.on("finished", (job, result) => void this.jobFinished(job, result));
  }

  /**
   * Ready to take jobs: the single box and a worker once the model is loaded; the API role as soon
   * as the queue and storage answer (it accepts jobs before any worker exists; they wait queued).
   */
  isReady(): boolean {
    return this.loaded !== undefined || this.config.role === "api";
  }

  /** Why the shared queue or storage is unreachable, or undefined (the single box has none). */
  async backendProblem(): Promise<string | undefined> {
    if (this.jobs.kind === "embedded") return undefined;
    try {
      await Promise.all([this.jobs.check(), this.storage.check()]);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Why the model could not be loaded (e.g. the GPU image on a machine without a GPU): /readyz
   * stays unready with this message and hint instead of "loading" forever.
   */
  loadFailure: { message: string; hint?: string } | undefined;

  /** Records a failed model load for /readyz. */
  failLoad(error: unknown): void {
    const e = error as { message?: string; hint?: string };
    this.loadFailure = { message: e.message ?? String(error), ...(e.hint ? { hint: e.hint } : {}) };
  }

  /** Makes the loaded model visible: /readyz turns ready and jobs are accepted. */
  attach(parts: LoadedParts): void {
    this.loaded = parts;
  }

  /** One structured line per finished job, to the log and to the data folder's jobs.log. */
  private async jobFinished(job: Job, result: GenerateResult | undefined): Promise<void> {
    this.metrics.jobFinished(job, result);
    const record = {
      msg: "job finished",
      job_id: job.id,
      outcome: job.status,
      preset: job.params.preset,
      params: {
        ...job.params,
        prompt_chars: job.params.prompt.length,
        prompt: undefined,
        negative_prompt: undefined,
      },
      size: job.size,
      queue_wait_ms: job.started_at ? Date.parse(job.started_at) - Date.parse(job.created_at) : null,
      run_ms:
        job.started_at && job.finished_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : null,
      timings: job.timings,
      peak_rss_mb: job.result?.peak_rss_mb ?? null,
      estimated_mb: job.estimated_mb,
      error_code: job.error?.code ?? null,
    };
    this.logger.info(record);
    await appendFile(
      path.join(this.config.dataDir, "jobs.log"),
      `${JSON.stringify({ time: Date.now(), ...record })}\n`,
    ).catch(() => undefined);
  }
}
