import type { WebhookEvent, WebhookState } from "../contract/index.ts";

/** One event to deliver; its id is the `webhook-id`, the same on every retry (receivers dedupe on it). */
export interface Delivery {
  id: string;
  event: WebhookEvent;
  /** The job as the API returned it when the event happened; emptied once settled. */
  body: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  /** When the event happened (ISO 8601); orders a job's deliveries where they are kept apart from it. */
  created_at?: string;
  /** When the next attempt is due (ISO 8601). */
  next_at: string;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
}

/** A job's webhook as stored with the job, so pending deliveries survive a restart. */
export interface StoredWebhook {
  url: string;
  events: WebhookEvent[];
  deliveries: Delivery[];
}

/** The API's summary of a job's webhook (the contract's WebhookState). */
export function webhookState(webhook: StoredWebhook | undefined | null): WebhookState | null {
  if (!webhook) return null;
  const count = (state: Delivery["state"]) => webhook.deliveries.filter((d) => d.state === state).length;
  const last = webhook.deliveries
    .filter((d) => d.last_attempt_at)
    .sort((a, b) => (a.last_attempt_at ?? "").localeCompare(b.last_attempt_at ?? ""))
    .at(-1);
  return {
    url: webhook.url,
    events: webhook.events,
    attempts: webhook.deliveries.reduce((sum, d) => sum + d.attempts, 0),
    delivered: count("delivered"),
    pending: count("pending"),
    failed: count("failed"),
    last_status: last?.last_status ?? null,
    last_error: last?.last_error ?? null,
    last_attempt_at: last?.last_attempt_at ?? null,
  };
}
