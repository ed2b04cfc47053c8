import { appendFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import type { InferenceEngine } from "../engine/engine.ts";
import type { Admission } from "../jobs/admission.ts";
import type { Job } from "../jobs/job.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { JobStore } from "../jobs/store.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import type { ModelInfo } from "../pipeline/model.ts";
import { ServiceMetrics } from "./metrics.ts";

/** The parts that exist only once the model is loaded. */
export interface LoadedParts {
  engine: InferenceEngine;
  queue: JobQueue;
  admission: Admission;
  manifest: Manifest;
}

/**
 * What the HTTP app needs, in one object: config, the job store, and (once the model is loaded)
 * the engine, queue and admission. The app answers /livez at once and everything else when ready.
 */
export class Service {
  loaded: LoadedParts | undefined;
  readonly metrics: ServiceMetrics;
  readonly startedAt = new Date();

  constructor(
    readonly config: ServiceConfig,
    readonly store: JobStore,
    readonly logger: Logger,
    readonly version: string,
  ) {
    this.metrics = new ServiceMetrics({
      waiting: () => this.loaded?.queue.waitingCount ?? 0,
      running: () => this.loaded?.queue.runningCount ?? 0,
      ready: () => this.loaded !== undefined,
      memory: async () => (this.loaded ? this.loaded.admission.reading() : { totalMb: 0, freeMb: 0 }),
    });
  }

  get modelInfo(): ModelInfo | undefined {
    return this.loaded?.engine.info;
  }

  /** Logs and counts every job the queue finishes (attached before recovery restarts old jobs). */
  observe(queue: JobQueue): void {
    queue.on("finished", (job, result) => void this.jobFinished(job, result));
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
