import pino, { type Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { startApiRole } from "../roles/api.ts";
import { startSingleBox } from "../roles/single-box.ts";
import { startWorkerRole } from "../roles/worker.ts";
import type { RunningService } from "./running-service.ts";

export { type RunningService, VERSION } from "./running-service.ts";

/**
 * Starts the role the config names: the single box (`all`), or scaled out (docs/scale-out.md) an
 * API process or a worker over the shared queue and storage. Each role lives in its own file.
 */
export function startService(
  config: ServiceConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningService> {
  if (config.role === "api") return startApiRole(config, logger);
  if (config.role === "worker") return startWorkerRole(config, logger);
  return startSingleBox(config, logger);
}
