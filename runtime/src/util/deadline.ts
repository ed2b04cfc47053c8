/**
 * The one deadline/abort helper of the repository (runtime, mirrors, images, scripts and clients
 * import it from here: the runtime ships alone in the image and may import nothing outside itself,
 * while the toolkit around it always has runtime/ beside it, so this is the only home both reach).
 *
 * Why not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`:
 * - on Node 20, `AbortSignal.any` holds its sources weakly, so a timeout signal nobody else
 *   references can be garbage-collected before it fires and the deadline never comes (seen with
 *   20 parallel mirror probes; Node 22 keeps it, test/util/deadline.test.ts checks both ways);
 * - `AbortSignal.timeout`'s timer is unref'd: a wait on it alone (Docker's port proxy accepting a
 *   connection before the app listens) lets the process exit instead of timing out, on 22 too.
 * Here a plain controller is fed by a ref'd timer and the parent's abort; `dispose` releases both.
 */
export interface Deadline {
  /** Aborts when the timer fires (a TimeoutError), the parent aborts (its reason) or `abort` is called. */
  readonly signal: AbortSignal;
  /** True once the timer fired: the deadline, not the parent or `abort`, stopped the work. */
  readonly expired: boolean;
  /** Aborts now, e.g. with the first failure of a group of tasks sharing the signal. */
  abort(reason?: unknown): void;
  /** Starts the timer again from now, for an idle (stall) timeout that each bit of progress resets. */
  restart(): void;
  /** Clears the timer and the listener on the parent; call it when the work is done. */
  dispose(): void;
}

/** The reason a deadline aborts with: a DOMException named TimeoutError, as `AbortSignal.timeout` uses. */
export function timeoutError(ms: number, what = "deadline"): DOMException {
  return new DOMException(`${what} of ${ms} ms reached`, "TimeoutError");
}

export interface DeadlineOptions {
  /** Builds the abort reason when the timer fires (default: a TimeoutError). */
  reason?: () => unknown;
  /**
   * Let the process exit while the timer is pending, for a deadline left to run over a response
   * body that the socket already keeps alive (default false: the timer holds the process).
   */
  unref?: boolean;
}

/** A signal that aborts after `ms` (none when undefined) or when `parent` aborts. */
export function deadline(
  ms: number | undefined,
  parent?: AbortSignal,
  options: DeadlineOptions = {},
): Deadline {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const arm = () => {
    clearTimeout(timer);
    if (ms === undefined || controller.signal.aborted) return;
    timer = setTimeout(() => {
      expired = true;
      parent?.removeEventListener("abort", onParent);
      controller.abort(options.reason ? options.reason() : timeoutError(ms));
    }, ms);
    if (options.unref) timer.unref();
  };
  const onParent = () => {
    clearTimeout(timer);
    controller.abort(parent?.reason);
  };
  if (parent?.aborted) onParent();
  else {
    parent?.addEventListener("abort", onParent, { once: true });
    arm();
  }
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    abort(why?: unknown) {
      clearTimeout(timer);
      controller.abort(why);
    },
    restart: arm,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onParent);
    },
  };
}

/** Runs `work` with a deadline's signal and disposes the deadline however `work` ends. */
export async function withDeadline<T>(
  ms: number | undefined,
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const d = deadline(ms, parent);
  try {
    return await work(d.signal);
  } finally {
    d.dispose();
  }
}
