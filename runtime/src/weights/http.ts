import { deadline } from "../util/deadline.ts";
import { sleep } from "../util/sleep.ts";
import { httpError } from "./errors.ts";
import { networkCause, networkError } from "./network-cause.ts";
import { backoffMs, isTransientStatus, parseRetryAfter, type RetryPolicy } from "./retry.ts";

/** What one HTTP exchange needs from the fetch around it. */
export interface HttpContext {
  repo: string;
  /** The endpoint's base URL, so that hints suggest other endpoints, never this one. */
  endpoint?: string;
  token?: string;
  signal?: AbortSignal;
  retry: RetryPolicy;
  /** A request that makes no progress for this long is dropped and retried. Default 60 000 ms. */
  stallTimeoutMs?: number;
  /** Told before each wait, so progress output can say why it is slow. */
  onRetry?: (reason: string, waitMs: number) => void;
}

/** True for errors that mean "the connection failed", not "the server said no". */
export function isNetworkError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    (error as { code?: string })?.code === "ECONNRESET" ||
    (error as { name?: string })?.name === "TimeoutError"
  );
}

/**
 * Waits before the next try of a transient failure, or throws the final error when the budget is
 * spent or the server asks for a longer pause than we accept.
 */
export async function waitForRetry(
  ctx: HttpContext,
  attempt: number,
  failure: {
    status?: number;
    url: string;
    retryAfter?: string | null;
    reason: string;
    errorCode?: string | null;
    /** The connection failure itself, whose cause the final error names (DNS, refused, TLS...). */
    error?: unknown;
  },
): Promise<void> {
  const retryAfterMs = parseRetryAfter(failure.retryAfter ?? null);
  const tooLong = retryAfterMs !== undefined && retryAfterMs > ctx.retry.maxRetryAfterMs;
  if (attempt + 1 >= ctx.retry.attempts || tooLong) {
    if (failure.status !== undefined) {
      throw httpError({
        status: failure.status,
        url: failure.url,
        repo: ctx.repo,
        errorCode: failure.errorCode,
      });
    }
    throw networkError(failure.error ?? new Error(failure.reason), failure.url, ctx.endpoint, attempt + 1);
  }
  const waitMs = backoffMs(ctx.retry, attempt, retryAfterMs);
  ctx.onRetry?.(failure.reason, waitMs);
  await sleep(waitMs, ctx.signal);
}

/**
 * A `fetch` for the metadata calls made through @huggingface/hub: it retries 429/5xx (honouring
 * Retry-After) and dropped connections, adds the abort signal, and turns final 401/404s into
 * errors with hints, since the client library only reports a bare status.
 */
export function metadataFetch(ctx: HttpContext): typeof fetch {
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      // A metadata answer is small: one that takes longer than the stall timeout is hung. On a
      // 2xx the deadline also covers the body the client library reads later, so it is left to
      // run (unref'd: the socket keeps the process alive while the body is read); otherwise it is
      // released at once.
      const hung = deadline(ctx.stallTimeoutMs ?? 60_000, ctx.signal, { unref: true });
      try {
        res = await fetch(input, { ...init, signal: hung.signal });
      } catch (error) {
        hung.dispose();
        if (ctx.signal?.aborted || !isNetworkError(error)) throw error;
        const cause = networkCause(error);
        // A name DNS does not know, or a certificate refused, will be the same on the next try.
        if (cause.final) throw networkError(error, url, ctx.endpoint, attempt + 1);
        await waitForRetry(ctx, attempt, { url, reason: `connection failed: ${cause.code}`, error });
        continue;
      }
      if (res.ok) return res;
      const errorCode = res.headers.get("x-error-code");
      await res.body?.cancel();
      hung.dispose();
      if (!isTransientStatus(res.status)) {
        throw httpError({ status: res.status, url, repo: ctx.repo, errorCode });
      }
      await waitForRetry(ctx, attempt, {
        status: res.status,
        url,
        retryAfter: res.headers.get("retry-after"),
        reason: `HTTP ${res.status}`,
        errorCode,
      });
    }
  };
}

/** Headers for a request to the endpoint; the token goes only to the endpoint's own origin. */
export function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
