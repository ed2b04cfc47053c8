import type { Context, MiddlewareHandler } from "hono";
import { I2vError } from "../errors.ts";

/** Paths the limit applies to: the API and metrics; /livez and /readyz stay open for health checks. */
const LIMITED = [/^\/v1\//, /^\/metrics$/, /^\/openapi\.json$/];
/** Clients tracked at most; past it the least recently seen tenth is dropped (they start afresh). */
export const MAX_TRACKED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Per-client token bucket: each client address may make `perMinute` requests in a burst, refilled
 * at `perMinute / 60` per second. Runs before auth, so guessing tokens is limited too. The client is
 * the socket's peer address: X-Forwarded-For is not trusted, because any client can send it.
 * `perMinute` 0 turns the limit off.
 */
export function rateLimit(perMinute: number, now: () => number = Date.now): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;
  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(perMinute, bucket.tokens + (at - bucket.updatedMs) * refillPerMs);
    bucket.updatedMs = at;
  };
  return async (c, next) => {
    if (perMinute <= 0 || !LIMITED.some((p) => p.test(c.req.path))) return next();
    const at = now();
    const key = clientAddress(c);
    const bucket = buckets.get(key) ?? { tokens: perMinute, updatedMs: at };
    // Re-inserted on every request, so the map's order is least recently seen first.
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > MAX_TRACKED_CLIENTS) {
      // Many addresses (IPv6 makes them cheap) must not grow the map or make each request scan it.
      for (const oldest of buckets.keys()) {
        buckets.delete(oldest);
        if (buckets.size <= MAX_TRACKED_CLIENTS * 0.9) break;
      }
    }
    refill(bucket, at);
    if (bucket.tokens < 1) {
      const retryAfterS = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
      throw new I2vError("rate_limited", `More than ${perMinute} requests a minute from this client.`, {
        retry_after_s: retryAfterS,
      });
    }
    bucket.tokens -= 1;
    return next();
  };
}

/** The peer address of the connection; in-process requests (`app.request`) share one key. */
function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "in-process";
}
