import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import type { WebhookEvent } from "../contract/index.ts";
import { type Job, type PublicJob, TERMINAL } from "../jobs/job.ts";
import type { WebhookSettings } from "./request.ts";
import { type SendOptions, type SendOutcome, sendWebhook } from "./send.ts";
import type { Delivery } from "./state.ts";

/** What the dispatcher needs of the job store: jobs by id, and saving one (deliveries live on the job). */
export interface JobRecords {
  get(id: string): Job | undefined;
  all(): Job[];
  save(job: Job): Promise<void>;
}

export type DeliveryOutcome = "delivered" | "retry" | "failed" | "refused";

export interface DispatcherDeps {
  records: JobRecords;
  settings: WebhookSettings;
  logger: Logger;
  /** The job as the API returns it: the body of every call. */
  view(job: Job): PublicJob;
  /** Counts each attempt's outcome (metrics). */
  count?(event: WebhookEvent, outcome: DeliveryOutcome): void;
  send?: (
    url: string,
    body: string,
    headers: Record<string, string>,
    options: SendOptions,
  ) => Promise<SendOutcome>;
  sendOptions?: Partial<SendOptions>;
}

/** Jobs with a delivery in flight at once; more wait. One job's deliveries go one at a time, in order. */
const MAX_IN_FLIGHT = 8;

/**
 * Delivers job events to their webhooks: an outbox kept on each job record (so a restart resumes
 * it), signed the Standard Webhooks way, retried with the configured backoff. It runs beside the
 * queue and never inside it: a receiver that hangs or fails costs its own timeout, never a job's.
 */
export class WebhookDispatcher {
  private readonly lastStatus = new Map<string, Job["status"]>();
  private readonly lastProgressAt = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  /** Jobs that may have a pending delivery. */
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly signer: Webhook | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.signer = deps.settings.secret ? new Webhook(deps.settings.secret) : undefined;
  }

  /** Turns the queue's job updates into started / progress / completed events. */
  observe(queue: { on(event: "update", listener: (job: Job) => void): unknown }): void {
    queue.on("update", (job) => this.onUpdate(job));
  }

  /** After a restart: resume every delivery that was still pending. */
  recover(): number {
    let count = 0;
    for (const job of this.deps.records.all()) {
      this.lastStatus.set(job.id, job.status);
      if (job.webhook?.deliveries.some((d) => d.state === "pending")) {
        this.pending.add(job.id);
        count += 1;
      }
    }
    this.pump();
    return count;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private onUpdate(job: Job): void {
    if (!job.webhook) return;
    const previous = this.lastStatus.get(job.id);
    this.lastStatus.set(job.id, job.status);
    if (job.status === "running" && previous !== "running") this.enqueue(job, "started");
    else if (job.status === "running" && job.progress) {
      const now = Date.now();
      if (now - (this.lastProgressAt.get(job.id) ?? 0) < this.deps.settings.progressIntervalMs) return;
      this.lastProgressAt.set(job.id, now);
      this.enqueue(job, "progress");
    }
    if (TERMINAL.has(job.status) && !job.webhook.deliveries.some((d) => d.event === "completed")) {
      this.lastProgressAt.delete(job.id);
      this.enqueue(job, "completed");
    }
  }

  private enqueue(job: Job, event: WebhookEvent): void {
    const webhook = job.webhook;
    if (!webhook?.events.includes(event)) return;
    const body = JSON.stringify(this.deps.view(job));
    // A newer progress event replaces one not yet tried: receivers want the latest, not a backlog.
    const stale = webhook.deliveries.find(
      (d) =>
        d.event === "progress" && d.state === "pending" && d.attempts === 0 && !this.inFlight.has(job.id),
    );
    if (event === "progress" && stale) stale.body = body;
    else {
      webhook.deliveries.push({
        id: `msg_${randomUUID()}`,
        event,
        body,
        state: "pending",
        attempts: 0,
        next_at: new Date().toISOString(),
        last_status: null,
        last_error: null,
        last_attempt_at: null,
      });
    }
    this.pending.add(job.id);
    this.persist(job);
    this.pump();
  }

  /** Starts every due delivery (the first pending one of each job), and sets a timer for the next. */
  private pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    let nextDue = Number.POSITIVE_INFINITY;
    for (const id of [...this.pending]) {
      const job = this.deps.records.get(id);
      const delivery = job?.webhook?.deliveries.find((d) => d.state === "pending");
      if (!job || !delivery) {
        this.pending.delete(id);
        continue;
      }
      if (this.inFlight.has(id)) continue;
      const due = Date.parse(delivery.next_at);
      if (due <= Date.now() && this.inFlight.size < MAX_IN_FLIGHT) void this.attempt(job, delivery);
      else nextDue = Math.min(nextDue, Math.max(due, Date.now() + 50));
    }
    if (Number.isFinite(nextDue)) {
      this.timer = setTimeout(() => this.pump(), nextDue - Date.now());
      this.timer.unref();
    }
  }

  private async attempt(job: Job, delivery: Delivery): Promise<void> {
    const webhook = job.webhook;
    if (!webhook) return;
    this.inFlight.add(job.id);
    try {
      const outcome = this.signer
        ? await (this.deps.send ?? sendWebhook)(webhook.url, delivery.body, this.headers(delivery), {
            allow: this.deps.settings.allow,
            timeoutMs: this.deps.settings.timeoutMs,
            ...this.deps.sendOptions,
          })
        : { status: null, error: "I2V_WEBHOOK_SECRET is not set; nothing is sent unsigned", refused: true };
      this.record(job, delivery, outcome);
    } catch (error) {
      this.record(job, delivery, { status: null, error: (error as Error).message, refused: false });
    } finally {
      this.inFlight.delete(job.id);
      this.pump();
    }
  }

  private headers(delivery: Delivery): Record<string, string> {
    const now = new Date();
    return {
      "webhook-id": delivery.id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": (this.signer as Webhook).sign(delivery.id, now, delivery.body),
      "i2v-webhook-event": delivery.event,
      "user-agent": "i2v-deploy-webhooks",
    };
  }

  private record(job: Job, delivery: Delivery, outcome: SendOutcome): void {
    delivery.attempts += 1;
    delivery.last_status = outcome.status;
    delivery.last_error = outcome.error;
    delivery.last_attempt_at = new Date().toISOString();
    const delays = this.deps.settings.retryDelaysMs;
    let result: DeliveryOutcome;
    if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) result = "delivered";
    else if (outcome.refused) result = "refused";
    else result = delivery.attempts > delays.length ? "failed" : "retry";
    if (result === "retry") {
      delivery.next_at = new Date(Date.now() + (delays[delivery.attempts - 1] ?? 0)).toISOString();
    } else {
      delivery.state = result === "delivered" ? "delivered" : "failed";
      delivery.body = "";
    }
    this.deps.count?.(delivery.event, result);
    const log = {
      job_id: job.id,
      event: delivery.event,
      webhook_id: delivery.id,
      attempt: delivery.attempts,
    };
    if (result === "delivered") this.deps.logger.info(log, "webhook delivered");
    else
      this.deps.logger.warn(
        { ...log, status: outcome.status, error: outcome.error, outcome: result },
        "webhook not delivered",
      );
    this.persist(job);
  }

  private persist(job: Job): void {
    // The store chains writes per job, so this never overtakes the queue's own saves.
    this.deps.records
      .save(job)
      .catch((error) => this.deps.logger.error({ err: error, job_id: job.id }, "webhook state not saved"));
  }
}
