import type { Logger } from "pino";
import { resolveModelDir } from "../config/model-dir.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { JobRunner } from "../jobs/lifecycle.ts";
import { EmbeddedQueue } from "../queue/embedded.ts";
import { JobFiles, jobFilesOutbox } from "../queue/job-files.ts";
import { createApp } from "../server/app.ts";
import { listen } from "../server/listen.ts";
import { loadModel } from "../server/load-model.ts";
import { type RunningService, VERSION } from "../server/running-service.ts";
import { Service } from "../server/service.ts";
import { readTlsFiles } from "../server/tls.ts";
import { DirectoryStorage } from "../storage/directory.ts";
import { WebhookDispatcher } from "../webhooks/dispatcher.ts";

/** The single box's parts over one data folder: job records, inputs and videos, and the queue. */
export async function openSingleBox(config: ServiceConfig): Promise<EmbeddedQueue> {
  const storage = new DirectoryStorage(config.dataDir);
  await storage.removePartials();
  const files = await JobFiles.open(config.dataDir);
  return new EmbeddedQueue(files, storage, {
    capacity: config.queueCapacity,
    concurrency: config.concurrency,
  });
}

/**
 * The single box (`I2V_ROLE=all`): opens the data folder, listens at once (so /livez answers
 * during the model load), then loads the model, recovers jobs left by a previous run, resumes the
 * webhook outbox, and starts taking work.
 */
export async function startSingleBox(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  // Checked before anything else: a wrong certificate path must fail the start, not the first client.
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  const queue = await openSingleBox(config);
  const service = new Service(config, { jobs: queue, storage: queue.storage }, logger, VERSION);
  service.observe(queue);
  const app = createApp(service);
  const { server, url, reloadCertificate } = await listen(app, config, logger, tls);

  const webhooks = new WebhookDispatcher({
    outbox: jobFilesOutbox(queue.files),
    settings: config.webhooks,
    logger,
    count: (event, outcome) => service.metrics.webhookDeliveries.inc({ event, outcome }),
  });
  webhooks.observe(queue);
  const ready = (async () => {
    const { engine, manifest, admission } = await loadModel(config, logger);
    // Recover before turning ready, so nobody sees a job in a state the restart is about to change.
    const recovered = await queue.recover();
    const webhooksResumed = await webhooks.recover();
    queue.attach(
      new JobRunner(queue, engine, admission, {
        deadlineMs: config.jobDeadlineMs,
        imageLimits: config.imageLimits,
        progressEventMs: config.webhooks.progressIntervalMs,
      }),
    );
    service.attach({ engine, admission, manifest });
    logger.info({ model: engine.info, recovered, webhooks_resumed: webhooksResumed }, "model ready");
    await queue.files.prune(queue.storage, config.resultsMaxAgeMs, config.resultsMaxBytes);
  })();
  ready.catch((error) => {
    service.failLoad(error); // /readyz says why (e.g. no GPU for the CUDA provider)
    logger.error(
      { err: error, hint: (error as { hint?: string }).hint },
      `model failed to load: ${(error as Error).message}`,
    );
  });
  const pruning = setInterval(
    () =>
      void queue.files
        .prune(queue.storage, config.resultsMaxAgeMs, config.resultsMaxBytes)
        .catch(() => undefined),
    10 * 60_000,
  );
  pruning.unref();

  return {
    service,
    app,
    url,
    ready,
    async reload() {
      const engine = service.loaded?.engine;
      if (!engine) throw new Error("the model is not loaded yet");
      const info = await engine.reload(await resolveModelDir(config.model));
      logger.info({ model: info }, "model reloaded");
    },
    reloadCertificate,
    async shutdown() {
      clearInterval(pruning);
      await ready.catch(() => undefined);
      if (service.loaded) {
        await queue.drain(config.drainTimeoutMs);
        await service.loaded.engine?.close();
      }
      webhooks.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
