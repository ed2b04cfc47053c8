import { EventEmitter } from "node:events";
import path from "node:path";
import { Hono } from "hono";
import type { Logger } from "pino";
import { resolveModelDir } from "../config/model-dir.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import type { InferenceEngine } from "../engine/engine.ts";
import type { Job } from "../jobs/job.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import { SharedWorker } from "../queue/shared-worker.ts";
import { bearerAuth } from "../server/auth.ts";
import { listen } from "../server/listen.ts";
import { loadModel } from "../server/load-model.ts";
import { systemRoutes } from "../server/routes/system.ts";
import { type RunningService, VERSION } from "../server/running-service.ts";
import { Service } from "../server/service.ts";
import { openSharedBackends } from "./shared-backends.ts";

/**
 * The worker role: loads the model once, takes jobs from the shared queue, and serves only
 * /livez, /readyz (model loaded, queue and storage reachable), /metrics and the system facts on
 * its own PORT, for health checks and Prometheus.
 */
export async function startWorkerRole(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const { queueUrl, storage, jobs } = await openSharedBackends(config, logger);
  const service = new Service(config, { jobs, storage }, logger, VERSION);
  const finished = new EventEmitter<{ finished: [Job, GenerateResult | undefined] }>();
  service.observe(finished);
  const app = new Hono();
  app.use("*", bearerAuth(config.token));
  app.route("/", systemRoutes(service));
  const { server, url, reloadCertificate } = await listen(app, config, logger);

  let worker: SharedWorker | undefined;
  let engine: InferenceEngine | undefined;
  const ready = (async () => {
    const model = await loadModel(config, logger);
    engine = model.engine;
    const { manifest, memoryModel, admission } = model;
    worker = new SharedWorker(
      jobs.redis,
      queueUrl,
      storage,
      engine,
      admission,
      manifest,
      {
        workerId: config.workerId,
        concurrency: config.concurrency,
        leaseMs: config.leaseMs,
        attempts: config.jobAttempts,
        deadlineMs: config.jobDeadlineMs,
        imageLimits: config.imageLimits,
        progressEventMs: config.webhooks.progressIntervalMs,
        scratchDir: path.join(config.dataDir, "scratch"),
      },
      logger,
      (job, result) => finished.emit("finished", job, result),
    );
    const info = engine.info;
    if (!info) throw new Error("the engine reported no model");
    await worker.start({
      manifest,
      memory_model: memoryModel,
      model: info,
      memory: await admission.reading(),
      published_at: new Date().toISOString(),
    });
    service.attach({ engine, admission, manifest });
    logger.info({ model: info, worker_id: config.workerId }, "worker ready: taking jobs");
  })();
  ready.catch((error) => {
    service.failLoad(error); // /readyz says why (e.g. no GPU for the CUDA provider)
    logger.error(
      { err: error, hint: (error as { hint?: string }).hint },
      `worker failed to start: ${(error as Error).message}`,
    );
  });

  return {
    service,
    app,
    url,
    ready,
    reloadCertificate,
    async reload() {
      if (!engine) throw new Error("the model is not loaded yet");
      await engine.reload(await resolveModelDir(config.model));
    },
    async shutdown() {
      await ready.catch(() => undefined);
      await worker?.drain(config.drainTimeoutMs);
      await engine?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await jobs.close();
    },
  };
}
