import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pino, { type Logger } from "pino";
import { resolveModelDir } from "../config/model-dir.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { toPublic } from "../jobs/job.ts";
import { JobQueue } from "../jobs/queue.ts";
import { JobStore } from "../jobs/store.ts";
import type { EmbeddedJobs } from "../queue/embedded.ts";
import { startApiRole } from "../roles/api.ts";
import { startWorkerRole } from "../roles/worker.ts";
import { WebhookDispatcher } from "../webhooks/dispatcher.ts";
import { createApp } from "./app.ts";
import { loadModel } from "./load-model.ts";
import { Service } from "./service.ts";
import { readTlsFiles, type TlsMaterial } from "./tls.ts";

export const VERSION = "0.1.0";

export interface RunningService {
  service: Service;
  /** The Hono app, for in-process requests (`app.request()`). */
  app: ReturnType<typeof createApp>;
  url: string;
  /** Resolves when the model is loaded and jobs are accepted (rejects if loading fails). */
  ready: Promise<void>;
  /** Reloads the model (same spec, re-read from disk); in-flight jobs finish on the old sessions. */
  reload(): Promise<void>;
  /**
   * Re-reads I2V_TLS_CERT and I2V_TLS_KEY for new connections (open ones keep theirs); a broken
   * file is refused and the previous certificate keeps serving. No-op on plain HTTP.
   */
  reloadCertificate(): Promise<void>;
  /** Drains: stop accepting, finish or requeue running jobs within the deadline, then close. */
  shutdown(): Promise<void>;
}

/**
 * Starts the service: opens the job store, listens at once (so /livez answers during the model
 * load), then loads the model in the inference worker, recovers jobs left by a previous run, and
 * starts taking work.
 */
export async function startService(
  config: ServiceConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningService> {
  // Checked before anything else: a wrong certificate path must fail the start, not the first client.
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  // Scaled out (docs/scale-out.md): the same HTTP app over the shared queue and storage ports.
  if (config.role === "api") return startApiRole(config, logger, listen);
  if (config.role === "worker") return startWorkerRole(config, logger, listen);
  const store = await JobStore.open(config.dataDir);
  const service = new Service(config, store, logger, VERSION);
  const app = createApp(service);
  const { server, url, reloadCertificate } = await listen(app, config, logger, tls);

  let webhooks: WebhookDispatcher | undefined;
  const ready = (async () => {
    const { engine, manifest, admission } = await loadModel(config, logger);
    const queue = new JobQueue(store, engine, admission, {
      capacity: config.queueCapacity,
      concurrency: config.concurrency,
      deadlineMs: config.jobDeadlineMs,
      imageLimits: config.imageLimits,
    });
    service.observe(queue);
    webhooks = new WebhookDispatcher({
      records: store,
      settings: config.webhooks,
      logger,
      view: (job) => toPublic(job, queue.position(job.id)),
      count: (event, outcome) => service.metrics.webhookDeliveries.inc({ event, outcome }),
    });
    webhooks.observe(queue);
    // Recover before turning ready, so nobody sees a job in a state the restart is about to change.
    const recovered = await queue.recover();
    const webhooksResumed = webhooks.recover();
    const jobs = service.jobs as EmbeddedJobs;
    jobs.attach(queue);
    service.attach({ engine, queue: jobs, admission, manifest: manifest });
    logger.info({ model: engine.info, recovered, webhooks_resumed: webhooksResumed }, "model ready");
    await store.prune(config.resultsMaxAgeMs, config.resultsMaxBytes);
  })();
  ready.catch((error) => {
    service.failLoad(error);
    logger.error(
      { err: error, hint: (error as { hint?: string }).hint },
      `model failed to load: ${(error as Error).message}`,
    );
  });
  const pruning = setInterval(
    () => void store.prune(config.resultsMaxAgeMs, config.resultsMaxBytes).catch(() => undefined),
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
        await (service.jobs as EmbeddedJobs).drain(config.drainTimeoutMs);
        await service.loaded.engine?.close();
      }
      webhooks?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Listens at once (so /livez answers during the model load), over TLS only when the config names
 * a certificate (a plain-HTTP request then fails the handshake and is closed, so a token is never
 * sent in clear to this port). Slow clients cannot hold a connection open forever: headers and the
 * whole request body must arrive within their deadlines. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow-headers client stay up to
 * 50 s), so check more often. Every role listens through here.
 */
export async function listen(
  app: { fetch: ReturnType<typeof createApp>["fetch"] },
  config: ServiceConfig,
  logger: Logger,
  preRead?: TlsMaterial,
) {
  const tls = preRead ?? (config.tls ? await readTlsFiles(config.tls) : undefined);
  const timeouts = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(5000, config.headersTimeoutMs / 2),
  };
  const server = tls
    ? serve({
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        createServer: createHttpsServer,
        serverOptions: { ...timeouts, cert: tls.cert, key: tls.key },
      })
    : serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions: timeouts });
  server.setTimeout(0);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `${tls ? "https" : "http"}://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${address.port}`;
  if (tls) logger.info({ valid_to: tls.validTo, names: tls.names }, "serving HTTPS");

  /** Re-reads the PEM files for new connections; a broken file throws and the old one keeps serving. */
  async function reloadCertificate() {
    if (!config.tls) return;
    const fresh = await readTlsFiles(config.tls);
    (server as HttpsServer).setSecureContext({ cert: fresh.cert, key: fresh.key });
    logger.info({ valid_to: fresh.validTo, names: fresh.names }, "certificate reloaded");
  }
  return { server, url, reloadCertificate };
}
