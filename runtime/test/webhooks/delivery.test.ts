import net from "node:net";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { guardLoopbackOnly } from "../../../test/support/loopback-guard.ts";
import { SECRET, startReceiver } from "../../../test/support/webhook-receiver.ts";
import { jobSchema } from "../../src/contract/index.ts";
import type { RunningService } from "../../src/server/start.ts";
import { goodImage } from "../reliability/inputs.ts";
import { form, inProcessService, TINY } from "../server/helpers.ts";

/** Webhooks end to end: the real service, real receivers on loopback (allowed), real signatures. */
const guard = guardLoopbackOnly();
let running: RunningService;
let image: Buffer;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes, read field by field
type Job = Record<string, any>;
const request = (path: string, init?: RequestInit) => Promise.resolve(running.app.request(path, init));
const submit = async (fields: Record<string, string | number>) => {
  const response = await request("/v1/jobs", { method: "POST", body: form(image, { ...TINY, ...fields }) });
  return { status: response.status, body: (await response.json()) as Job };
};
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}
const job = async (id: string) => (await (await request(`/v1/jobs/${id}`)).json()) as Job;

beforeAll(async () => {
  running = await inProcessService({
    I2V_WEBHOOK_SECRET: SECRET,
    I2V_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
    I2V_WEBHOOK_RETRY_S: "0.2,0.2,0.2",
    I2V_WEBHOOK_TIMEOUT_S: "1",
  });
  image = await goodImage();
}, 120_000);
afterAll(async () => {
  await running?.shutdown();
  guard.restore();
  expect(guard.blocked).toEqual([]);
});

describe("completion webhooks (loopback receivers)", () => {
  test("started, progress and completed arrive signed; a 500 is retried with the same webhook-id; recorded on the job and in metrics", async () => {
    let completedCalls = 0;
    const receiver = await startReceiver(SECRET, (call) => {
      if (call.headers["i2v-webhook-event"] !== "completed") return 200;
      return ++completedCalls === 1 ? 500 : 200;
    });
    try {
      const { status, body } = await submit({
        webhook: `${receiver.url}/hooks/i2v`,
        webhook_events: "started,progress,completed",
      });
      expect(status).toBe(202);
      expect(body.webhook).toMatchObject({
        url: `${receiver.url}/hooks/i2v`,
        events: ["started", "progress", "completed"],
      });
      const done = await until("delivered", async () => {
        const j = await job(body.id);
        // Ended too: a job slower than the 2 s progress interval has two progress events, and three
        // deliveries then settle before `completed` exists.
        return j.status === "succeeded" && j.webhook.delivered >= 3 && j.webhook.pending === 0
          ? j
          : undefined;
      });
      expect(receiver.calls.every((c) => c.verifyError === undefined)).toBe(true);
      const events = receiver.calls.map((c) => c.headers["i2v-webhook-event"]);
      expect(events[0]).toBe("started");
      expect(events).toContain("progress");
      expect(events.slice(-2)).toEqual(["completed", "completed"]);
      const completed = receiver.calls.filter((c) => c.headers["i2v-webhook-event"] === "completed");
      expect(completed[0]?.headers["webhook-id"]).toBe(completed[1]?.headers["webhook-id"]);
      // The body is the job as the API returns it.
      const payload = completed[1]?.verified as Job;
      expect(jobSchema.strict().safeParse(payload).success).toBe(true);
      expect(payload).toMatchObject({
        id: body.id,
        status: "succeeded",
        video_url: `/v1/jobs/${body.id}/video`,
      });
      expect(done.webhook).toMatchObject({ failed: 0, last_status: 200, last_error: null });
      expect(done.webhook.attempts).toBe(done.webhook.delivered + 1);
      const metrics = await (await request("/metrics")).text();
      expect(metrics).toMatch(/i2v_webhook_deliveries_total\{event="completed",outcome="retry"\} 1/);
      expect(metrics).toMatch(/i2v_webhook_deliveries_total\{event="completed",outcome="delivered"\} 1/);
    } finally {
      await receiver.close();
    }
  });

  test("a receiver that hangs never blocks the queue: the next job runs at once; the delivery times out and is retried", async () => {
    const receiver = await startReceiver(SECRET, () => "hang");
    try {
      const hooked = await submit({ webhook: `${receiver.url}/slow` });
      const plain = await submit({});
      await until("plain job done", async () =>
        (await job(plain.body.id)).status === "succeeded" ? true : undefined,
      );
      const retried = await until("two timed-out attempts", async () => {
        const j = await job(hooked.body.id);
        return j.webhook.attempts >= 2 ? j : undefined;
      });
      expect(retried.status).toBe("succeeded");
      expect(retried.webhook.last_status).toBeNull();
      expect(retried.webhook.last_error).toBe("no answer within 1000 ms");
      const failed = await until("given up after the retries", async () => {
        const j = await job(hooked.body.id);
        return j.webhook.failed === 1 ? j : undefined;
      });
      expect(failed.webhook.attempts).toBe(4);
    } finally {
      await receiver.close();
    }
  });

  test("redirects are followed only to allowed destinations: one to the metadata address is refused without connecting", async () => {
    const receiver = await startReceiver(SECRET, (call) =>
      call.path === "/hop"
        ? { status: 307, location: "/final" }
        : call.path === "/evil"
          ? { status: 307, location: "https://169.254.169.254/latest/meta-data/" }
          : 200,
    );
    try {
      const good = await submit({ webhook: `${receiver.url}/hop` });
      const evil = await submit({ webhook: `${receiver.url}/evil` });
      const delivered = await until("redirect followed", async () => {
        const j = await job(good.body.id);
        return j.webhook.delivered === 1 ? j : undefined;
      });
      expect(delivered.webhook.last_status).toBe(200);
      expect(receiver.calls.map((c) => c.path)).toContain("/final");
      const refused = await until("redirect refused", async () => {
        const j = await job(evil.body.id);
        return j.webhook.failed === 1 ? j : undefined;
      });
      expect(refused.webhook.attempts).toBe(1); // a refusal is not retried: the policy will not change
      expect(refused.webhook.last_error).toContain(
        "redirect to https://169.254.169.254/latest/meta-data/ refused: 169.254.169.254 is a linkLocal address",
      );
      expect(guard.blocked).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  test("literal private and metadata addresses are refused at submission with 400, and nothing is connected", async () => {
    const connect = vi.spyOn(net.Socket.prototype, "connect");
    try {
      for (const [url, why] of [
        ["https://10.0.0.1/hook", "private"],
        ["https://169.254.169.254/latest/meta-data/", "linkLocal"],
        ["https://[fd00:ec2::254]/", "uniqueLocal"],
        ["https://100.100.100.200/", "carrierGradeNat"],
        ["https://127.0.0.2/hook", "loopback"], // loopback, but not the allowed 127.0.0.1
        ["http://hooks.example/hook", "must be https"],
      ]) {
        const { status, body } = await submit({ webhook: url as string });
        expect({ url, status, code: body.error.code }).toEqual({
          url,
          status: 400,
          code: "invalid_parameters",
        });
        expect(body.error.details.problems.join()).toContain(why);
      }
      const badEvents = await submit({ webhook: "https://hooks.example/x", webhook_events: "finished" });
      expect(badEvents.body.error.details.problems).toEqual([
        "webhook_events: unknown finished; use started, progress, completed",
      ]);
      expect(connect).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
    }
  });
});
