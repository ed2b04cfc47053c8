import { sleep } from "../runtime/src/util/sleep.ts";
import type { ApiClient } from "./api-client.ts";
import { apiErrorFrom, ClientError } from "./api-error.ts";

/**
 * Polls GET /readyz until it answers 200, for at most `timeoutMs`. A service that is still loading
 * its model answers 503; a box that is still booting refuses connections: both are waited out.
 * 401 is not: a wrong token will not fix itself.
 */
export async function waitReady(
  client: ApiClient,
  timeoutMs: number,
  signal?: AbortSignal,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    try {
      const response = await client.fetch("/readyz", {
        signal: AbortSignal.any([AbortSignal.timeout(5000), ...(signal ? [signal] : [])]),
      });
      if (response.ok) return;
      if (response.status === 401) throw await apiErrorFrom(response, "GET /readyz");
      last = `HTTP ${response.status} ${(await response.text().catch(() => "")).slice(0, 120)}`;
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
        `${client.url("/readyz")} did not report ready within ${Math.round(timeoutMs / 1000)} s (last: ${last.trim()}).`,
        "Check the service's log (model loading, out of memory), or raise --timeout on a slow first start.",
      );
    }
    await sleep(intervalMs, signal);
  }
}
