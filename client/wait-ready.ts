import { withDeadline } from "../runtime/src/util/deadline.ts";
import { sleep } from "../runtime/src/util/sleep.ts";
import type { ApiClient } from "./api-client.ts";
import { apiErrorFrom, ClientError } from "./api-error.ts";

/** What else a wait may need besides the client and the deadline. */
export interface WaitReadyOptions {
  /** The path polled (default /readyz; /livez answers before the model is loaded). */
  path?: string;
  /** Runs before each poll; what it throws ends the wait at once (e.g. the container exited). */
  beforePoll?: () => Promise<void> | void;
}

/**
 * Polls GET /readyz until it answers 200, for at most `timeoutMs`, and resolves with the answer's
 * body. A service that is still loading its model answers 503; a box that is still booting refuses
 * connections, or (behind Docker's port proxy) accepts and drops them: all are waited out. 401 is
 * not: a wrong token will not fix itself. The one wait-until-ready of the repository (the smoke
 * test, the image bakes, local deployments and their tests use it).
 */
export async function waitReady(
  client: ApiClient,
  timeoutMs: number,
  signal?: AbortSignal,
  intervalMs = 500,
  options: WaitReadyOptions = {},
): Promise<string> {
  const path = options.path ?? "/readyz";
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    await options.beforePoll?.();
    try {
      // Each poll has its own 5 s deadline, covering the body too: a hung answer is "not yet".
      const answer = await withDeadline(5000, signal, async (pollSignal) => {
        const response = await client.fetch(path, { signal: pollSignal });
        if (response.status === 401) throw await apiErrorFrom(response, `GET ${path}`);
        const body = await response.text().catch((error: Error) => {
          throw new ClientError(
            "unreachable",
            `${client.url(path)} dropped its answer: ${error.message}`,
            "Retried until the deadline.",
          );
        });
        return { ok: response.ok, status: response.status, body };
      });
      if (answer.ok) return answer.body;
      last = `HTTP ${answer.status} ${answer.body.slice(0, 120)}`;
    } catch (error) {
      // A refused connection or a slow answer means "not up yet"; anything else is a real error.
      const transient =
        (error as Error).name === "TimeoutError" ||
        (error instanceof ClientError && error.code === "unreachable");
      if (signal?.aborted || !transient) throw error;
      last = (error as Error).message;
    }
    if (Date.now() + intervalMs > deadline) {
      throw new ClientError(
        "not_ready",
        `${client.url(path)} did not report ready within ${Math.round(timeoutMs / 1000)} s (last: ${last.trim()}).`,
        "Check the service's log (model loading, out of memory), or raise --timeout on a slow first start.",
      );
    }
    await sleep(intervalMs, signal);
  }
}
