import { Redis } from "ioredis";
import { I2vError } from "../errors.ts";

/** The BullMQ queue every API and worker process meets on, and its key prefix. */
export const QUEUE_NAME = "i2v-jobs";
export const BULL_PREFIX = "i2v:bull";

/** The keys beside BullMQ's: job records, indexes, worker heartbeats and the two channels. */
export const KEYS = {
  records: "i2v:records",
  created: "i2v:created",
  clientIds: "i2v:client-ids",
  workers: "i2v:workers",
  publishedModel: "i2v:published-model",
  durations: "i2v:durations",
  cancel: (id: string) => `i2v:cancel:${id}`,
  updates: "i2v:updates",
  cancels: "i2v:cancels",
  /** A job's webhook deliveries (JSON list), apart from its record: the dispatchers settle them. */
  outbox: (id: string) => `i2v:outbox:${id}`,
  /** Ids of jobs with a pending delivery. */
  outboxPending: "i2v:outbox-pending",
  /** Held by the one dispatcher calling a job's webhook now. */
  outboxClaim: (id: string) => `i2v:outbox-claim:${id}`,
} as const;

/** A worker heartbeat older than this is a worker out of service. */
export const HEARTBEAT_MS = 5000;
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_MS;

/**
 * A connection to the queue's Redis. BullMQ needs `maxRetriesPerRequest: null` (its blocking
 * commands must wait through a reconnect instead of failing); plain reads time out at 5 s so a
 * dead Redis gives /readyz and the API a clear error, not a hang.
 */
export function connect(url: string, purpose: "bullmq" | "commands" = "commands"): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: purpose === "bullmq" ? null : 2,
    ...(purpose === "commands" ? { commandTimeout: 5000 } : {}),
    retryStrategy: (times) => Math.min(1000, 50 * times),
    lazyConnect: false,
  });
  quietReconnects(redis);
  return redis;
}

/**
 * ioredis reconnects on its own and every command still fails with its error (which /readyz and
 * the API report); the connection's own error events would only print once per retry.
 */
export function quietReconnects(redis: Redis): Redis {
  redis.on("error", () => undefined);
  return redis;
}

/**
 * Accepted jobs live in Redis, so Redis must never evict a key to make room: BullMQ's own check
 * only warns. Refuse to start instead, with the fix.
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  let policy: string | undefined;
  try {
    const reply = (await redis.call("CONFIG", "GET", "maxmemory-policy")) as string[];
    policy = reply[1];
  } catch {
    // Managed services (ElastiCache) may refuse CONFIG; INFO still reports the policy.
    const info = await redis.info("memory");
    policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  }
  if (policy && policy !== "noeviction") {
    throw new I2vError(
      "backend_unavailable",
      `The queue's Redis evicts keys (maxmemory-policy ${policy}): accepted jobs could be lost.`,
      { maxmemory_policy: policy },
      "Set maxmemory-policy noeviction on the queue's Redis (redis-cli CONFIG SET maxmemory-policy noeviction, or the parameter group on ElastiCache); docs/scale-out.md.",
    );
  }
}

/** Throws `backend_unavailable` with Redis' own message when it does not answer. */
export async function ping(redis: Redis): Promise<void> {
  await reachRedis("answer", () => redis.ping());
}

/**
 * Runs a step that talks to Redis: a failure of Redis itself (refused, timed out, retries spent)
 * becomes `backend_unavailable` (503, with Redis' own message), never a 500; the queue's own
 * answers (I2vError) pass unchanged.
 */
export async function reachRedis<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof I2vError) throw error;
    throw new I2vError(
      "backend_unavailable",
      `The queue's Redis does not ${what}: ${(error as Error).message}`,
    );
  }
}
