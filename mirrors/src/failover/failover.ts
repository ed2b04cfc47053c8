import { deadline } from "../../../runtime/src/util/deadline.ts";
import { ChecksumMismatchError, HttpStatusError, isMirrorFault, MirrorsExhaustedError } from "./errors.ts";

/** One try on one mirror, as reported to `onAttempt` and in the result. */
export interface FailoverAttempt<M> {
  mirror: M;
  /** 1-based position among the candidates. */
  attempt: number;
  ok: boolean;
  elapsedMs: number;
  error?: unknown;
}

export interface FailoverOptions<M> {
  /** Called after every try, successful or not: the bake logs which mirror served. */
  onAttempt?: (attempt: FailoverAttempt<M>) => void;
  /** Time allowed to one try before it counts as a network failure (default: none). */
  attemptTimeoutMs?: number;
  /** Cancels the whole run; not retried. */
  signal?: AbortSignal;
  /** Decides which errors move on to the next mirror (default: `isMirrorFault`). */
  retryOn?: (error: unknown) => boolean;
}

export interface FailoverResult<M, T> {
  value: T;
  /** The mirror that served. */
  mirror: M;
  attempts: FailoverAttempt<M>[];
}

/**
 * Runs `step` with the first candidate and, when it fails through the mirror's fault (network
 * error, HTTP 4xx/5xx as `HttpStatusError`, `ChecksumMismatchError`, per-attempt timeout), runs it
 * again with the next. Other errors are thrown at once. When all fail, throws
 * `MirrorsExhaustedError` listing each mirror's reason.
 *
 * @example
 *   const { value, mirror } = await withMirrorFailover(["tuna", "aliyun", "upstream"], (m, { signal }) =>
 *     fetchChecked(urlFor(m), { signal, sha256 }), { onAttempt: (a) => log(a) });
 */
export async function withMirrorFailover<M, T>(
  candidates: readonly M[],
  step: (mirror: M, context: { signal: AbortSignal; attempt: number }) => Promise<T>,
  options: FailoverOptions<M> = {},
): Promise<FailoverResult<M, T>> {
  const retryOn = options.retryOn ?? isMirrorFault;
  const attempts: FailoverAttempt<M>[] = [];
  const failures: { mirror: string; error: unknown }[] = [];
  for (const [index, mirror] of candidates.entries()) {
    options.signal?.throwIfAborted();
    const { signal, dispose } = deadline(options.attemptTimeoutMs, options.signal);
    const started = performance.now();
    try {
      // Raced against the signal so a step that ignores it (a hung socket) still moves on.
      const value = await raceAbort(step(mirror, { signal, attempt: index + 1 }), signal);
      const record = { mirror, attempt: index + 1, ok: true, elapsedMs: performance.now() - started };
      attempts.push(record);
      options.onAttempt?.(record);
      return { value, mirror, attempts };
    } catch (error) {
      const record = { mirror, attempt: index + 1, ok: false, elapsedMs: performance.now() - started, error };
      attempts.push(record);
      options.onAttempt?.(record);
      // The caller's own cancellation is not the mirror's fault; stop instead of trying others.
      if (options.signal?.aborted) throw error;
      if (!retryOn(error)) throw error;
      failures.push({ mirror: String(mirror), error });
    } finally {
      dispose();
    }
  }
  throw new MirrorsExhaustedError(failures);
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Fetches a URL and throws `HttpStatusError` unless the answer is 2xx: a fetch that fails over. */
export async function fetchOk(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new HttpStatusError(url, response.status);
  }
  return response;
}

/** Throws `ChecksumMismatchError` unless `data` has the expected sha256 (hex). */
export async function verifySha256(what: string, data: Uint8Array, expected: string): Promise<void> {
  const { createHash } = await import("node:crypto");
  const actual = createHash("sha256").update(data).digest("hex");
  if (actual !== expected.toLowerCase()) throw new ChecksumMismatchError(what, expected, actual);
}
