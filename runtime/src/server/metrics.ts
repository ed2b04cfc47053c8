import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Job } from "../jobs/job.ts";
import type { GenerateResult } from "../pipeline/generate.ts";

const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200];

/** The service's Prometheus metrics, in their own registry. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly jobs = new Counter({
    name: "i2v_jobs_total",
    help: "Finished jobs by preset and outcome.",
    labelNames: ["preset", "outcome"],
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: "i2v_refusals_total",
    help: "Requests refused, by error code.",
    labelNames: ["reason"],
    registers: [this.registry],
  });
  readonly jobSeconds = new Histogram({
    name: "i2v_job_duration_seconds",
    help: "Run time of succeeded jobs.",
    labelNames: ["preset"],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWaitSeconds = new Histogram({
    name: "i2v_queue_wait_seconds",
    help: "Time from acceptance to start.",
    labelNames: ["preset"],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: "i2v_webhook_deliveries_total",
    help: "Webhook delivery attempts by event and outcome (delivered, retry, failed, refused).",
    labelNames: ["event", "outcome"],
    registers: [this.registry],
  });
  readonly stageSeconds = new Histogram({
    name: "i2v_stage_duration_seconds",
    help: "Time per pipeline stage of succeeded jobs.",
    labelNames: ["preset", "stage"],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(sources: {
    waiting(): number | Promise<number>;
    running(): number | Promise<number>;
    ready(): boolean;
    memory(): Promise<{ totalMb: number; freeMb: number }>;
  }) {
    collectDefaultMetrics({ register: this.registry, prefix: "i2v_process_" });
    new Gauge({
      name: "i2v_queue_waiting",
      help: "Jobs waiting in the queue.",
      registers: [this.registry],
      async collect() {
        this.set(await sources.waiting());
      },
    });
    new Gauge({
      name: "i2v_queue_running",
      help: "Jobs running now.",
      registers: [this.registry],
      async collect() {
        this.set(await sources.running());
      },
    });
    new Gauge({
      name: "i2v_model_ready",
      help: "1 when the model is loaded and warmed up.",
      registers: [this.registry],
      collect() {
        this.set(sources.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: "i2v_device_memory_bytes",
      help: "Device memory (GPU, or host on CPU) as the admission check reads it.",
      labelNames: ["state"],
      registers: [this.registry],
      async collect() {
        const m = await sources.memory();
        this.set({ state: "total" }, m.totalMb * 2 ** 20);
        this.set({ state: "free" }, m.freeMb * 2 ** 20);
      },
    });
  }

  /** Records a finished job. */
  jobFinished(job: Job, result: GenerateResult | undefined): void {
    const preset = job.params.preset;
    this.jobs.inc({ preset, outcome: job.status });
    if (job.started_at)
      this.queueWaitSeconds.observe(
        { preset },
        (Date.parse(job.started_at) - Date.parse(job.created_at)) / 1000,
      );
    if (result && job.started_at && job.finished_at) {
      this.jobSeconds.observe({ preset }, (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000);
      for (const [stage, ms] of Object.entries(result.timings))
        this.stageSeconds.observe({ preset, stage }, ms / 1000);
    }
  }
}
