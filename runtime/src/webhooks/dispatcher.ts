import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";
import type { WebhookEvent } from "../contract/index.ts";
import type { Job } from "../jobs/job.ts";
import { nextPending } from "./outbox.ts";
import type { WebhookSettings } from "./request.ts";
import { type SendOptions, type SendOutcome, sendWebhook } from "./send.ts";
import type { Delivery } from "./state.ts";

/**
 * Where the deliveries wait: on the single box's job files, or in Redis beside the shared records.
 * The job lifecycle adds events (webhooks/outbox.ts); the dispatcher only reads and settles them.
 */
export interface Outbox {
  /** Ids of jobs that have a pending delivery. */
  pendingJobs(): Promise<string[]>;
  /** The job's webhook URL and its deliveries in order, or undefined when it has none. */
  read(jobId: string): Promise<{ url: string; deliveries: Delivery[] } | undefined>;
  /**
   * Takes the job's outbox for one attempt; false while another process holds it. Scaled out,
   * every API process runs a dispatcher and this is what makes one event one call.
   */
  claim(jobId: string, holdMs: number): Promise<boolean>;
  release(jobId: string): Promise<void>;
  /** Records a delivery's new state (matched by its id). */
  settle(jobId: string, delivery: Delivery): Promise<void>;
}

export type DeliveryOutcome = "delivered" | "retry" | "failed" | "refused";

export interface DispatcherDeps {
  outbox: Outbox;
  settings: WebhookSettings;
  logger: Logger;
  /** Counts each attempt's outcome (metrics). */
  count?(event: WebhookEvent, outcome: DeliveryOutcome): void;
  /**
   * Also look for due deliveries this often (ms): scaled out, events are added by other
   * processes. Without it the dispatcher relies on `poke` (the single box sees every change).
   */
  pollMs?: number;
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
 * Delivers job events to their webhooks: an outbox kept with each job (so a restart, a killed
 * worker or a killed API process resumes it), signed the Standard Webhooks way, retried with the
 * configured backoff. It runs beside the queue and never inside it: a receiver that hangs or fails
 * costs its own timeout, never a job's.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Set<string>();
  /** Jobs that may have a pending delivery. */
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly signer: Webhook | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    this.signer = deps.settings.secret ? new Webhook(deps.settings.secret) : undefined;
  }

  /** Every job update with a pending delivery wakes the dispatcher for that job. */
  observe(queue: { on(event: "update", listener: (job: Job) => void): unknown }): void {
    queue.on("update", (job) => {
      if (job.webhook?.deliveries.some((d) => d.state === "pending")) this.poke(job.id);
    });
  }

  /** A job's outbox has something new: look at it now. */
  poke(jobId: string): void {
    this.pending.add(jobId);
    this.schedule(0);
  }

  /** After a start: resume every delivery still pending. Returns how many jobs have one. */
  async recover(): Promise<number> {
    const ids = await this.deps.outbox.pendingJobs();
    for (const id of ids) this.pending.add(id);
    this.schedule(0);
    return ids.length;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(0, ms));
    this.timer.unref();
  }

  /** One pass at a time; a wake-up during a pass runs another right after it. */
  private pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pass()
      .then(
        (nextMs) => nextMs,
        (error) => {
          this.deps.logger.warn({ err: error }, "webhook outbox not readable; retrying");
          return 1000;
        },
      )
      .then((nextMs) => {
        this.pumping = undefined;
        if (this.again) {
          this.again = false;
          this.schedule(0);
        } else if (Number.isFinite(nextMs)) this.schedule(nextMs);
      });
  }

  /** Starts every due delivery (the first pending one of each job); returns ms until the next. */
  private async pass(): Promise<number> {
    if (this.deps.pollMs) for (const id of await this.deps.outbox.pendingJobs()) this.pending.add(id);
    let nextDue = this.deps.pollMs ?? Number.POSITIVE_INFINITY;
    for (const id of [...this.pending]) {
      if (this.closed) break;
      if (this.inFlight.has(id)) continue;
      const delivery = nextPending((await this.deps.outbox.read(id))?.deliveries ?? []);
      if (!delivery) {
        this.pending.delete(id);
        continue;
      }
      const wait = Date.parse(delivery.next_at) - Date.now();
      if (wait <= 0 && this.inFlight.size < MAX_IN_FLIGHT) void this.attempt(id);
      else nextDue = Math.min(nextDue, Math.max(wait, 50));
    }
    return nextDue;
  }

  private async attempt(jobId: string): Promise<void> {
    const { outbox } = this.deps;
    this.inFlight.add(jobId);
    try {
      // Held a little longer than one call may take; a process killed mid-call frees it by expiry.
      if (!(await outbox.claim(jobId, this.deps.settings.timeoutMs * 2 + 5000))) return;
      try {
        // Read again under the claim: another process may have settled it meanwhile.
        const webhook = await outbox.read(jobId);
        const delivery = webhook && nextPending(webhook.deliveries);
        if (!webhook || !delivery || Date.parse(delivery.next_at) > Date.now()) return;
        const outcome = await this.call(webhook.url, delivery).catch(
          (error): SendOutcome => ({ status: null, error: (error as Error).message, refused: false }),
        );
        await outbox.settle(jobId, this.record(jobId, delivery, outcome));
      } finally {
        await outbox.release(jobId).catch(() => undefined);
      }
    } catch (error) {
      this.deps.logger.error({ err: error, job_id: jobId }, "webhook state not saved");
    } finally {
      this.inFlight.delete(jobId);
      this.schedule(0);
    }
  }

  private call(url: string, delivery: Delivery): Promise<SendOutcome> {
    if (!this.signer) {
      return Promise.resolve({
        status: null,
        error: "I2V_WEBHOOK_SECRET is not set; nothing is sent unsigned",
        refused: true,
      });
    }
    return (this.deps.send ?? sendWebhook)(url, delivery.body, this.headers(delivery), {
      allow: this.deps.settings.allow,
      timeoutMs: this.deps.settings.timeoutMs,
      ...this.deps.sendOptions,
    });
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

  /** The delivery after this attempt: settled, or due again after the configured delay. */
  private record(jobId: string, before: Delivery, outcome: SendOutcome): Delivery {
    const delivery: Delivery = {
      ...before,
      attempts: before.attempts + 1,
      last_status: outcome.status,
      last_error: outcome.error,
      last_attempt_at: new Date().toISOString(),
    };
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
    const log = { job_id: jobId, event: delivery.event, webhook_id: delivery.id, attempt: delivery.attempts };
    if (result === "delivered") this.deps.logger.info(log, "webhook delivered");
    else
      this.deps.logger.warn(
        { ...log, status: outcome.status, error: outcome.error, outcome: result },
        "webhook not delivered",
      );
    return delivery;
  }
}
