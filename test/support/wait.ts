/**
 * Polling, written once for every test: a condition until it holds, and a job until it ends.
 */

/** Polls `probe` until it returns something other than undefined or false; that value is returned. */
export async function waitUntil<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  what = "condition",
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const TERMINAL_STATUSES = ["succeeded", "failed", "canceled"];

/** Polls `GET /v1/jobs/:id` (through `request`: in-process or over a socket) until the job has ended. */
export function waitForJob(
  request: (path: string) => Promise<Response>,
  id: string,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  return waitUntil(
    async () => {
      const job = (await (await request(`/v1/jobs/${id}`)).json()) as Record<string, unknown>;
      return TERMINAL_STATUSES.includes(job.status as string) ? job : undefined;
    },
    timeoutMs,
    `job ${id} finished`,
  );
}
