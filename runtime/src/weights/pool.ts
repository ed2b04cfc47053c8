import { deadline } from "../util/deadline.ts";

/**
 * Runs `work` over `items` with at most `limit` in flight, in order of start. The first failure
 * aborts the shared signal so the other transfers stop early, then is rethrown.
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, signal: AbortSignal) => Promise<void>,
  outer?: AbortSignal,
): Promise<void> {
  const stop = deadline(undefined, outer);
  const signal = stop.signal;
  let next = 0;
  let firstError: unknown;
  const lane = async () => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++] as T;
      try {
        await work(item, signal);
      } catch (error) {
        if (firstError === undefined) firstError = error;
        stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane)).finally(
    stop.dispose,
  );
  if (firstError !== undefined) throw firstError;
  outer?.throwIfAborted();
}
