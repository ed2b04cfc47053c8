import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasMotoServer } from "../support/moto-server.ts";
import { hasRedisServer } from "../support/redis-server.ts";
import { Cluster, isMp4, type JobView, LONG, MEDIUM, TEST_LEASE_S, TINY } from "./cluster.ts";

// The "Done when" as real processes: one API (no model) and two workers on a real
// redis-server, with a shared folder and with moto's real S3 server as storage.
const backends: ("file" | "s3")[] = [];
if (hasRedisServer()) {
  backends.push("file");
  if (hasMotoServer()) backends.push("s3");
}

describe.skipIf(backends.length === 0).each(backends)("scaled out over %s storage", (storage) => {
  let cluster: Cluster;
  const finished: string[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start(storage);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test("a job submitted before any worker exists stays queued, then runs when workers come", async () => {
    const early = await cluster.submit(TINY);
    expect(early.status).toBe("queued");
    await new Promise((r) => setTimeout(r, 1500));
    const still = await cluster.job(early.id);
    expect(still.status).toBe("queued");
    expect(still.queue_position).toBe(1);
    await Promise.all([cluster.startWorker("w1"), cluster.startWorker("w2")]);
    const done = await cluster.waitDone(early.id);
    expect(done.status).toBe("succeeded");
    expect(["w1", "w2"]).toContain(done.worker_id);
    finished.push(early.id);
  });

  test("jobs submitted to the API run on both workers", async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, () => cluster.submit(MEDIUM)));
    const done = await Promise.all(jobs.map((j) => cluster.waitDone(j.id)));
    expect(done.map((j) => j.status)).toEqual(done.map(() => "succeeded"));
    expect(new Set(done.map((j) => j.worker_id))).toEqual(new Set(["w1", "w2"]));
    finished.push(...jobs.map((j) => j.id));
  });

  test("progress from the worker reaches the API's SSE clients", async () => {
    const job = await cluster.submit(MEDIUM);
    const response = await fetch(`${cluster.api.url}/v1/jobs/${job.id}/events`);
    const text = await response.text(); // the stream ends after the terminal event
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events.filter((e) => e === "progress").length).toBeGreaterThan(3);
    expect(events.at(-1)).toBe("succeeded");
    finished.push(job.id);
  });

  test("a worker killed with -9 mid-job loses nothing: the job comes back after the lease", async () => {
    const job = await cluster.submit(LONG);
    const running = await cluster.waitFor(job.id, (j) => j.status === "running" && Boolean(j.worker_id));
    const victim = running.worker_id as string;
    await cluster.waitFor(job.id, (j) => ((j.progress as { step?: number } | null)?.step ?? 0) > 3);
    const killedAt = Date.now();
    await cluster.workers.get(victim)?.stop("SIGKILL");
    const survivor = victim === "w1" ? "w2" : "w1";
    await cluster.waitFor(job.id, (j) => j.status === "running" && j.worker_id === survivor, 30_000);
    const redeliveredMs = Date.now() - killedAt;
    // Lock expiry plus one stall check: at most 1.5 leases (and some scheduling slack).
    expect(redeliveredMs).toBeLessThan(TEST_LEASE_S * 1500 + 3000);
    const done = await cluster.waitDone(job.id);
    expect(done.status).toBe("succeeded");
    // One run lost with its worker, as a restart counts it on the single box.
    expect((await cluster.record(job.id)).attempts).toBe(1);
    finished.push(job.id);
    await cluster.startWorker(victim);
  });

  test("SIGTERM drains: a worker finishes its job within I2V_DRAIN_TIMEOUT_S and exits", async () => {
    const job = await cluster.submit(MEDIUM);
    const running = await cluster.waitFor(job.id, (j) => j.status === "running" && Boolean(j.worker_id));
    const id = running.worker_id as string;
    const code = await cluster.workers.get(id)?.stop("SIGTERM");
    expect(code).toBe(0);
    const done = await cluster.waitDone(job.id);
    expect(done).toMatchObject({ status: "succeeded", worker_id: id });
    // It ran once: 0, as on the single box.
    expect((await cluster.record(job.id)).attempts).toBe(0);
    finished.push(job.id);
    await cluster.startWorker(id);
  });

  test("SIGTERM past the drain timeout hands the job back; another worker runs it", async () => {
    await cluster.workers.get("w2")?.stop("SIGTERM");
    await cluster.startWorker("w2", { I2V_DRAIN_TIMEOUT_S: "0.5" });
    await cluster.workers.get("w1")?.stop("SIGTERM");
    const job = await cluster.submit(LONG);
    await cluster.waitFor(job.id, (j) => j.status === "running" && j.worker_id === "w2");
    const stopping = cluster.workers.get("w2")?.stop("SIGTERM");
    await cluster.startWorker("w1");
    expect(await stopping).toBe(0);
    const done = await cluster.waitDone(job.id);
    expect(done).toMatchObject({ status: "succeeded", worker_id: "w1" });
    // Handed back by a drain, as if never started (the single box's drain does the same): not lost.
    expect((await cluster.record(job.id)).attempts).toBe(0);
    finished.push(job.id);
  });

  test("every video is served by the API", async () => {
    expect(finished.length).toBeGreaterThan(10);
    for (const id of finished) {
      const video = await cluster.video(id);
      expect(video.status).toBe(200);
      expect(isMp4(video.bytes)).toBe(true);
    }
  });

  test("cancel: a queued job at once, a running one between steps", async () => {
    await Promise.all([...cluster.workers.keys()].map((id) => cluster.workers.get(id)?.stop("SIGTERM")));
    const queued = await cluster.submit(TINY);
    const canceled = (await (
      await fetch(`${cluster.api.url}/v1/jobs/${queued.id}/cancel`, { method: "POST" })
    ).json()) as JobView;
    expect(canceled.status).toBe("canceled");
    await cluster.startWorker("w1");
    const long = await cluster.submit(LONG);
    await cluster.waitFor(long.id, (j) => j.status === "running");
    await fetch(`${cluster.api.url}/v1/jobs/${long.id}/cancel`, { method: "POST" });
    const done = await cluster.waitDone(long.id, 20_000);
    expect(done.status).toBe("canceled");
    expect((await cluster.job(queued.id)).status).toBe("canceled");
  });
});
