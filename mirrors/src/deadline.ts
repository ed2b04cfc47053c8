/** An abort signal that fires after `ms` or when `parent` aborts; `dispose` clears the timer. */
export interface Deadline {
  signal: AbortSignal;
  dispose(): void;
}

/**
 * A deadline built from a plain controller and timer. Node 20's `AbortSignal.any` holds its
 * sources weakly, so an `AbortSignal.timeout` nobody else references can be garbage-collected
 * before it fires and the deadline silently never comes (seen here with 20 parallel probes).
 */
export function deadline(ms: number | undefined, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new DOMException(`deadline of ${ms} ms reached`, "TimeoutError")),
          ms,
        );
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener("abort", onParent, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}
