import { randomUUID } from "node:crypto";
import type { WebhookEvent } from "../contract/index.ts";
import { type Job, toPublic } from "../jobs/job.ts";
import type { Delivery } from "./state.ts";

/**
 * Adds a webhook event to the job's outbox (its `webhook.deliveries`), when the job's webhook asked
 * for it. Called by the job lifecycle just before the save that records the change, so the event
 * is durable together with the state it reports: a crash cannot keep one and lose the other.
 * Returns whether a delivery was added or refreshed.
 */
export function addEvent(job: Job, event: WebhookEvent): boolean {
  const webhook = job.webhook;
  if (!webhook?.events.includes(event)) return false;
  if (event === "completed" && webhook.deliveries.some((d) => d.event === "completed")) return false;
  // The body is the job as the API returns it; started, progress and completed are never queued.
  const body = JSON.stringify(toPublic(job, null));
  // A newer progress event replaces one not yet tried: receivers want the latest, not a backlog.
  const stale = webhook.deliveries.find(
    (d) => d.event === "progress" && d.state === "pending" && d.attempts === 0,
  );
  if (event === "progress" && stale) {
    stale.body = body;
    return true;
  }
  const now = new Date().toISOString();
  webhook.deliveries.push({
    id: `msg_${randomUUID()}`,
    event,
    body,
    state: "pending",
    attempts: 0,
    created_at: now,
    next_at: now,
    last_status: null,
    last_error: null,
    last_attempt_at: null,
  });
  return true;
}

/** Whether the job's webhook wants this event at all. */
export function wantsEvent(job: Job, event: WebhookEvent): boolean {
  return Boolean(job.webhook?.events.includes(event));
}

/** The first delivery still to make: one job's deliveries go one at a time, in order. */
export function nextPending(deliveries: readonly Delivery[]): Delivery | undefined {
  return deliveries.find((d) => d.state === "pending");
}
