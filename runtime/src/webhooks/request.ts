import { WEBHOOK_EVENTS, type WebhookEvent } from "../contract/index.ts";
import { I2vError } from "../errors.ts";
import type { AllowList } from "./address-policy.ts";
import type { StoredWebhook } from "./state.ts";
import { checkWebhookUrl } from "./target.ts";

export interface WebhookSettings {
  /** I2V_WEBHOOK_SECRET (whsec_...): without it the service takes no webhooks. */
  secret: string | undefined;
  allow: AllowList;
  /** Delay before each retry; its length is the number of retries. */
  retryDelaysMs: number[];
  timeoutMs: number;
  /** Progress events are sent at most this often per job. */
  progressIntervalMs: number;
}

/**
 * Takes `webhook` and `webhook_events` out of a job request's fields and checks them: a URL the
 * SSRF policy allows (literal private and metadata addresses are refused here, before anything
 * connects), known events, and a secret to sign with. Returns null when the job has no webhook.
 */
export function takeWebhook(
  fields: Record<string, unknown>,
  settings: WebhookSettings,
): StoredWebhook | null {
  const { webhook, webhook_events: events } = fields;
  delete fields.webhook;
  delete fields.webhook_events;
  if (webhook === undefined) {
    if (events !== undefined) refuse(["webhook_events: needs a webhook"]);
    return null;
  }
  if (typeof webhook !== "string") refuse(["webhook: must be a URL string"]);
  const problems: string[] = [];
  const checked = checkWebhookUrl(webhook as string, settings.allow);
  if ("problem" in checked) problems.push(`webhook: ${checked.problem}`);
  const list = eventList(events, problems);
  if (!settings.secret) {
    problems.push("webhook: this service signs webhooks with I2V_WEBHOOK_SECRET, which is not set");
  }
  if (problems.length > 0) refuse(problems);
  return { url: webhook as string, events: list, deliveries: [] };
}

function eventList(value: unknown, problems: string[]): WebhookEvent[] {
  if (value === undefined) return ["completed"];
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : null;
  if (!items) {
    problems.push("webhook_events: must be a list (or comma-separated) of started, progress, completed");
    return [];
  }
  const names = [...new Set(items.map((v) => String(v).trim()).filter(Boolean))];
  const unknown = names.filter((n) => !(WEBHOOK_EVENTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    problems.push(`webhook_events: unknown ${unknown.join(", ")}; use started, progress, completed`);
  if (names.length === 0) problems.push("webhook_events: must name at least one event");
  return names as WebhookEvent[];
}

function refuse(problems: string[]): never {
  throw new I2vError("invalid_parameters", `Invalid webhook: ${problems.join("; ")}`, { problems });
}
