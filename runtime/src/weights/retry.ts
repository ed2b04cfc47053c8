/**
 * Retry policy for transient failures (5xx, 429, a dropped connection): exponential backoff with
 * jitter, and the server's Retry-After when it gives one.
 */
export interface RetryPolicy {
  /** Attempts without progress before giving up. Default 6. */
  attempts: number;
  /** First backoff in ms, doubled each time. Default 500. */
  baseDelayMs: number;
  /** Ceiling for one backoff in ms. Default 20 000. */
  maxDelayMs: number;
  /** Longest Retry-After we wait for, in ms; longer ones fail with a hint. Default 120 000. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
};

/** Parses Retry-After (seconds or an HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before retry number `attempt` (0-based), honouring the server's wish when given. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

/** Statuses worth another try. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}
