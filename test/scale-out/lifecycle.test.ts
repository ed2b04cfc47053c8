import { afterEach, describe, expect, test } from "vitest";
import { hasRedisServer } from "../support/redis-server.ts";
import { SECRET, startReceiver } from "../support/webhook-receiver.ts";
import { Cluster, type JobView, LONG, MEDIUM, TINY } from "./cluster.ts";

// The single box's job lifecycle, scaled out: webhooks from the shared outbox (once per event,
// through a killed worker and a killed API), attempts counted as on the single box, and a Redis
// outage answered 503 on every job route. Real redis-server, API and worker processes.
const WEBHOOKS = {
  I2V_WEBHOOK_SECRET: SECRET,
  I2V_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
  I2V_WEBHOOK_RETRY_S: "1,1,1,1,1,1",
};

describe.skipIf(!hasRedisServer())("one job lifecycle, scaled out", () => {
  let cluster: Cluster | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await cluster?.stop();
    await receiver?.close();
    cluster = undefined;
    receiver = undefined;
  });

  /** Completion calls per webhook-id, and every call's signature checked. */
  const completions = () => {
    const calls = receiver?.calls ?? [];
    expect(calls.every((c) => c.verifyError === undefined)).toBe(true);
    return calls.filter((c) => c.headers["i2v-webhook-event"] === "completed");
  };
  const until = async (what: string, check: () => boolean, ms = 60_000) => {
    for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100)))
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  };

  test("a job with a webhook is accepted, runs, and one signed call per event arrives; it ran once: attempts 0", {
    timeout: 240_000,
  }, async () => {
    receiver = await startReceiver(SECRET, () => 200);
    cluster = await Cluster.start("file", WEBHOOKS);
    await cluster.startWorker("w1");
    const job = await cluster.submit({
      ...MEDIUM,
      webhook: `${receiver.url}/hook`,
      webhook_events: "started,completed",
    });
    expect(job.status).toBe("queued");
    const done = await cluster.waitDone(job.id);
    expect(done.status).toBe("succeeded");
    await until("the completion call", () => completions().length === 1);
    // Settled once: no second call for the same event from another pass or process.
    await new Promise((r) => setTimeout(r, 1500));
    const events = receiver.calls.map((c) => c.headers["i2v-webhook-event"]);
    expect(events).toEqual(["started", "completed"]);
    expect(new Set(receiver.calls.map((c) => c.headers["webhook-id"])).size).toBe(2);
    expect(completions()[0]?.verified).toMatchObject({ id: job.id, status: "succeeded", worker_id: "w1" });
    const view = await cluster.job(job.id);
    expect(view.webhook).toMatchObject({ delivered: 2, pending: 0, failed: 0, last_status: 200 });
    expect((await cluster.record(job.id)).attempts).toBe(0);
    expect(view.attempts).toBe(0);
  });

  test("the outbox survives a worker killed mid-job and an API killed before the retry: one completion, same webhook-id", {
    timeout: 240_000,
  }, async () => {
    let healthy = false;
    let answeredOk = 0;
    receiver = await startReceiver(SECRET, () => {
      if (!healthy) return 500;
      answeredOk += 1;
      return 200;
    });
    cluster = await Cluster.start("file", { ...WEBHOOKS, I2V_WEBHOOK_TIMEOUT_S: "2" });
    await Promise.all([cluster.startWorker("w1"), cluster.startWorker("w2")]);
    const job = await cluster.submit({ ...LONG, webhook: `${receiver.url}/hook` });
    const running = await cluster.waitFor(job.id, (j) => j.status === "running" && Boolean(j.worker_id));
    await cluster.workers.get(running.worker_id as string)?.stop("SIGKILL");
    const done = await cluster.waitDone(job.id, 120_000);
    expect(done.status).toBe("succeeded");
    expect((await cluster.record(job.id)).attempts).toBe(1); // one run lost with its worker
    await until("the first, failed completion call", () => completions().length >= 1);
    await cluster.api.stop("SIGKILL");
    healthy = true;
    await cluster.startApi();
    await until("the retried completion call", () => answeredOk > 0);
    await new Promise((r) => setTimeout(r, 2500)); // room for a duplicate, if any process made one
    const calls = completions();
    expect(answeredOk).toBe(1);
    expect(new Set(calls.map((c) => c.headers["webhook-id"])).size).toBe(1); // one event, one id
    const view = await cluster.job(job.id);
    expect(view.webhook).toMatchObject({ delivered: 1, pending: 0, failed: 0, last_status: 200 });
    // Every call was recorded, the failed ones before the kill included: none went out unrecorded.
    expect((view.webhook as { attempts: number }).attempts).toBe(calls.length);
  });

  test("redis-server killed: every job route answers 503 backend_unavailable, never 500", {
    timeout: 240_000,
  }, async () => {
    cluster = await Cluster.start("file");
    const job = await cluster.submit(TINY);
    await cluster.redis.kill();
    const api = cluster.api.url;
    const routes: [string, RequestInit?][] = [
      [`/v1/jobs/${job.id}`],
      ["/v1/jobs"],
      ["/v1/jobs?limit=5"],
      [`/v1/jobs/${job.id}/cancel`, { method: "POST" }],
      [`/v1/jobs/${job.id}/events`],
      [`/v1/jobs/${job.id}/video`],
      ["/v1/jobs", { method: "POST", body: await cluster.form(TINY) }],
    ];
    for (const [route, init] of routes) {
      const response = await fetch(`${api}${route}`, { ...init, signal: AbortSignal.timeout(30_000) });
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect({
        route,
        method: init?.method ?? "GET",
        status: response.status,
        code: body.error?.code,
      }).toEqual({
        route,
        method: init?.method ?? "GET",
        status: 503,
        code: "backend_unavailable",
      });
      expect(body.error?.message).toMatch(/Redis/);
    }
    const readyz = await fetch(`${api}/readyz`);
    expect(readyz.status).toBe(503);
    // Back up: the same job routes answer again, and the job is still there.
    await cluster.redis.restart();
    const back = await cluster.waitFor(job.id, (j: JobView) => j.status === "queued", 30_000);
    expect(back.id).toBe(job.id);
  });

  test("GET /v1/jobs?limit= outside 1..100 answers 400 scaled out too", { timeout: 240_000 }, async () => {
    cluster = await Cluster.start("file");
    for (const limit of ["0", "-5", "abc", "101", "2.5"]) {
      const response = await fetch(`${cluster.api.url}/v1/jobs?limit=${limit}`);
      expect({ limit, status: response.status }).toEqual({ limit, status: 400 });
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("invalid_parameters");
    }
    expect((await fetch(`${cluster.api.url}/v1/jobs?limit=100`)).status).toBe(200);
  });
});
