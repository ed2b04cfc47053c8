import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { SharedQueue } from "../queue/shared-queue.ts";
import { openStorage } from "../storage/open.ts";
import type { Storage } from "../storage/port.ts";

/** What the API and worker roles share: the queue's Redis and the storage, both checked reachable. */
export interface SharedBackends {
  queueUrl: string;
  storage: Storage;
  jobs: SharedQueue;
}

/**
 * Opens the shared storage and queue a scaled-out role runs over. The config has already refused
 * a scaled-out role without I2V_QUEUE_URL and I2V_STORAGE; this says so again rather than assume.
 */
export async function openSharedBackends(config: ServiceConfig, logger: Logger): Promise<SharedBackends> {
  const { queueUrl, storageUrl } = config;
  if (!queueUrl || !storageUrl) {
    throw new Error(`I2V_ROLE=${config.role} needs I2V_QUEUE_URL and I2V_STORAGE (docs/scale-out.md).`);
  }
  const storage = openStorage(storageUrl);
  await storage.check();
  const jobs = await SharedQueue.open(queueUrl, storage, { capacityPerWorker: config.queueCapacity }, logger);
  return { queueUrl, storage, jobs };
}
