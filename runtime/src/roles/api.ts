import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { Admission } from "../jobs/admission.ts";
import type { MemoryReading } from "../jobs/memory.ts";
import type { ProvisionalModel } from "../pipeline/family.ts";
import {
  liveWorkers,
  type PublishedModel,
  readPublishedModel,
  type WorkerBeat,
} from "../queue/published-model.ts";
import { createApp } from "../server/app.ts";
import { listen } from "../server/listen.ts";
import { type RunningService, VERSION } from "../server/running-service.ts";
import { type LoadedParts, Service } from "../server/service.ts";
import { WebhookDispatcher } from "../webhooks/dispatcher.ts";
import { BacklogMetrics } from "./backlog-metrics.ts";
import { openSharedBackends } from "./shared-backends.ts";

/** How often the API re-reads what the workers publish (model, memory, who is in service). */
const CATALOG_REFRESH_MS = 2000;

/** Scaled out, the dispatchers of every API process look for due webhook deliveries this often. */
const OUTBOX_POLL_MS = 250;

/**
 * Until any worker has published its model, the API still takes jobs (a job may be what starts
 * the first worker): with these generic defaults and no memory check; the worker that takes the
 * job applies its model's defaults (see QueuedData.fields).
 */
const PROVISIONAL_MANIFEST: ProvisionalModel = {
  defaults: { negative_prompt: "" },
  scheduler: { default: "ddim" },
  latent: { size_multiple: 8 },
};

/**
 * The API role: no model, no GPU. The same HTTP app as the single box over the shared queue and
 * storage; presets, limits and memory estimates from what the workers publish.
 */
export async function startApiRole(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const { storage, jobs } = await openSharedBackends(config, logger);
  const service = new Service(config, { jobs, storage }, logger, VERSION);
  const app = createApp(service);
  const { server, url, reloadCertificate } = await listen(app, config, logger);
  // The webhook outbox lives in Redis: every API process delivers from it, one claim per call.
  const webhooks = new WebhookDispatcher({
    outbox: jobs.records.outbox(`${config.workerId}-api`),
    settings: config.webhooks,
    logger,
    count: (event, outcome) => service.metrics.webhookDeliveries.inc({ event, outcome }),
    pollMs: OUTBOX_POLL_MS,
  });
  webhooks.observe(jobs);
  const resumed = await webhooks.recover();
  if (resumed > 0) logger.info({ webhooks_resumed: resumed }, "webhook deliveries resumed");

  const refresh = async () => {
    const [published, workers] = await Promise.all([readPublishedModel(jobs.redis), liveWorkers(jobs.redis)]);
    jobs.provisional = !published;
    service.attach(partsFrom(published, workers, config.memoryMargin));
  };
  const ready = refresh();
  ready.catch((error) => logger.error({ err: error }, "could not read the workers' catalog"));
  const refreshing = setInterval(
    () => void refresh().catch((error) => logger.warn({ err: error }, "catalog refresh failed")),
    CATALOG_REFRESH_MS,
  );
  refreshing.unref();
  const backlog = config.metricsNamespace
    ? new BacklogMetrics(jobs, { namespace: config.metricsNamespace, stack: config.stack }, logger)
    : undefined;
  backlog?.start();

  return {
    service,
    app,
    url,
    ready,
    reloadCertificate,
    async reload() {
      await refresh();
    },
    async shutdown() {
      clearInterval(refreshing);
      backlog?.stop();
      webhooks.close();
      // Everything accepted is already in the shared queue: closing loses nothing. SSE followers
      // would hold the server open until their jobs end; they get a moment, then are cut (an
      // EventSource reconnects, to another API process behind the load balancer).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const cut = setTimeout(
        () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
        2000,
      );
      await closed;
      clearTimeout(cut);
      await jobs.close();
    },
  };
}

function partsFrom(
  published: PublishedModel | undefined,
  workers: WorkerBeat[],
  margin: number,
): LoadedParts {
  if (!published) {
    const unknown: MemoryReading = { kind: "simulated", totalMb: 0, freeMb: 0 };
    return {
      manifest: PROVISIONAL_MANIFEST,
      admission: new Admission({ fixed_mb: 0, per_megapixel_frame_mb: 0 }, async () => unknown, 0),
    };
  }
  // The roomiest worker in service decides what fits; with none (scaled to zero), the last published.
  const roomiest = workers.map((w) => w.memory).sort((a, b) => b.freeMb - a.freeMb)[0] ?? published.memory;
  return {
    manifest: published.manifest,
    info: published.model,
    admission: new Admission(published.memory_model, async () => roomiest, margin),
  };
}
