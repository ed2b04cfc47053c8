import { sleep } from "../runtime/src/util/sleep.ts";
import type { ApiClient } from "./api-client.ts";
import { apiErrorFrom, ClientError } from "./api-error.ts";
import { parseJob } from "./contract.ts";
import { readEvents } from "./sse.ts";
import { type Job, TERMINAL_STATUSES } from "./types.ts";

export interface FollowOptions {
  signal?: AbortSignal;
  /** Called with every state the job passes through (queued, each progress step, the end). */
  onUpdate?(job: Job): void;
  /** Poll interval when the event stream is unavailable (ms). */
  pollMs?: number;
}

/** How the job was followed, for the report: events are the normal path, polling the fallback. */
export type FollowMethod = "events" | "polling";

/**
 * Follows a job to a terminal state: over GET /v1/jobs/:id/events while the stream works, then
 * by polling GET /v1/jobs/:id (a proxy that buffers or cuts the stream must not fail a deploy).
 * Auth errors are not retried: polling would only hit them again.
 */
export async function followJob(
  client: ApiClient,
  job: Job,
  options: FollowOptions = {},
): Promise<{ job: Job; method: FollowMethod }> {
  let latest = job;
  const update = (next: Job) => {
    latest = next;
    options.onUpdate?.(next);
  };
  if (isTerminal(latest)) return { job: latest, method: "events" };
  try {
    const response = await client.fetch(`/v1/jobs/${encodeURIComponent(job.id)}/events`, {
      headers: { accept: "text/event-stream" },
      signal: options.signal,
    });
    if (response.status === 401) throw await apiErrorFrom(response, "GET events");
    if (response.ok && response.body) {
      for await (const event of readEvents(response.body)) {
        if (event.event === "ping") continue;
        const next = parseJob(JSON.parse(event.data), `GET events (${event.event})`);
        update(next);
        if (isTerminal(next)) {
          await response.body.cancel().catch(() => {});
          return { job: next, method: "events" };
        }
      }
    }
  } catch (error) {
    if (options.signal?.aborted || (error as { status?: number }).status === 401) throw error;
    // A job that breaks the contract is the finding itself, not a broken stream.
    if (error instanceof ClientError && error.code === "contract_broken") throw error;
    // Stream broke: fall through to polling, which reports its own errors.
  }
  const pollMs = options.pollMs ?? 500;
  for (;;) {
    update(await client.getJob(job.id, options.signal));
    if (isTerminal(latest)) return { job: latest, method: "polling" };
    await sleep(pollMs, options.signal);
  }
}

export function isTerminal(job: Job): boolean {
  return TERMINAL_STATUSES.includes(job.status);
}
