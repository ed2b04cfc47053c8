import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { Admission } from "../jobs/admission.ts";
import type { MemoryReading } from "../jobs/memory.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import { type Catalog, liveWorkers, readCatalog, type WorkerBeat } from "../queue/catalog.ts";
import { SharedJobs } from "../queue/shared-jobs.ts";
import { createApp } from "../server/app.ts";
import { type LoadedParts, Service } from "../server/service.ts";
import type { listen as listenFn, RunningService } from "../server/start.ts";
import { VERSION } from "../server/start.ts";
import { openStorage } from "../storage/open.ts";
import { BacklogMetrics } from "./backlog-metrics.ts";

/** How often the API re-reads what the workers publish (model, memory, who is in service). */
const CATALOG_REFRESH_MS = 2000;

/**
 * Until any worker has published its model, the API still takes jobs (a job may be what starts
 * the first worker): with these generic defaults and no memory check; the worker that takes the
 * job applies its model's defaults (see QueuedData.fields).
 */
const PROVISIONAL_MANIFEST = {
  defaults: { negative_prompt: "" },
  scheduler: { default: "ddim" },
  latent: { size_multiple: 8 },
} as unknown as Manifest;

/**
 * The API role: no model, no GPU. The same HTTP app as the single box over the shared queue and
 * storage; presets, limits and memory estimates from what the workers publish.
 */
export async function startApiRole(
  config: ServiceConfig,
  logger: Logger,
  listen: typeof listenFn,
): Promise<RunningService> {
  const storage = openStorage(config.storageUrl as string);
  await storage.check();
  const jobs = await SharedJobs.open(
    config.queueUrl as string,
    storage,
    { capacityPerWorker: config.queueCapacity },
    logger,
  );
  const service = new Service(config, { jobs, storage }, logger, VERSION);
  const app = createApp(service);
  const { server, url, reloadCertificate } = await listen(app, config, logger);

  const refresh = async () => {
    const [catalog, workers] = await Promise.all([readCatalog(jobs.redis), liveWorkers(jobs.redis)]);
    jobs.provisional = !catalog;
    service.attach(partsFrom(catalog, workers, jobs, config.memoryMargin));
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
  catalog: Catalog | undefined,
  workers: WorkerBeat[],
  queue: SharedJobs,
  margin: number,
): LoadedParts {
  if (!catalog) {
    const unknown: MemoryReading = { kind: "simulated", totalMb: 0, freeMb: 0 };
    return {
      queue,
      manifest: PROVISIONAL_MANIFEST,
      admission: new Admission({ fixed_mb: 0, per_megapixel_frame_mb: 0 }, async () => unknown, 0),
    };
  }
  // The roomiest worker in service decides what fits; with none (scaled to zero), the last published.
  const roomiest = workers.map((w) => w.memory).sort((a, b) => b.freeMb - a.freeMb)[0] ?? catalog.memory;
  return {
    queue,
    manifest: catalog.manifest,
    info: catalog.model,
    admission: new Admission(catalog.memory_model, async () => roomiest, margin),
  };
}
