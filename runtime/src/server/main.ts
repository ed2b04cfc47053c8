import pino from "pino";
import { parseServiceConfig } from "../config/service-config.ts";
import { listeningMessage } from "./listening-message.ts";
import { startService } from "./start.ts";

/**
 * The runtime's entry point: listen, load the model, and handle signals. SIGTERM/SIGINT drain
 * (stop accepting, finish or requeue running jobs, exit within I2V_DRAIN_TIMEOUT_S); SIGHUP
 * reloads the model atomically and re-reads the TLS certificate files.
 */
let config: ReturnType<typeof parseServiceConfig>;
try {
  config = parseServiceConfig();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  console.error(`hint: ${(error as { hint?: string }).hint ?? ""}`);
  process.exit(1);
}
const logger = pino({ level: config.logLevel });
let running: Awaited<ReturnType<typeof startService>>;
try {
  running = await startService(config, logger);
} catch (error) {
  // Configuration the service cannot start with (a TLS file, a busy port): say what and how to fix.
  console.error(`error: ${(error as Error).message}`);
  const hint = (error as { hint?: string }).hint;
  if (hint) console.error(`hint: ${hint}`);
  process.exit(1);
}
logger.info(
  { url: running.url, host: config.host, data_dir: config.dataDir },
  listeningMessage(config.host, running.url),
);
running.ready.then(
  () => logger.info(`ready: open ${running.url} in a browser`),
  (error) => {
    // No usable GPU for the provider asked for: stay up and unready, so /readyz and the log say
    // why (a restart does not fix it; `--gpus all` or I2V_PROVIDER=cpu does). Anything else exits.
    if ((error as { code?: string }).code === "provider_unavailable") return;
    process.exitCode = 1;
    void running.shutdown().then(() => process.exit(1));
  },
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "draining");
  const hardStop = setTimeout(() => process.exit(1), config.drainTimeoutMs + 10_000);
  hardStop.unref();
  void running.shutdown().then(() => {
    logger.info("stopped");
    process.exit(0);
  });
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGHUP", () => {
  running
    .reloadCertificate()
    .catch((error) =>
      logger.error({ err: error }, "certificate reload failed; still serving the previous certificate"),
    );
  running
    .reload()
    .catch((error) => logger.error({ err: error }, "reload failed; still serving the previous model"));
});
