import { afterEach, describe, expect, test } from "vitest";
import { hasRedisServer, startRedis } from "../support/redis-server.ts";
import { startService } from "../support/service.ts";
import { Cluster, LONG, MEDIUM, TINY } from "./cluster.ts";

// What an accepted job survives: Redis, the API and workers killed with -9, and what it does not
// get past: more lost workers than I2V_JOB_ATTEMPTS allows.
describe.skipIf(!hasRedisServer())("durability of accepted jobs", () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  test("redis-server killed with -9 and restarted keeps every accepted job (append-only file)", async () => {
    cluster = await Cluster.start("file");
    await cluster.startWorker("w1");
    const jobs = await Promise.all(Array.from({ length: 4 }, () => cluster!.submit(MEDIUM)));
    await cluster.redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    await cluster.redis.restart();
    const done = await Promise.all(jobs.map((j) => cluster!.waitDone(j.id)));
    expect(done.map((j) => j.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
  });

  test("the API killed with -9 right after its 202s: a new API process serves every job", async () => {
    cluster = await Cluster.start("file");
    const jobs = await Promise.all(Array.from({ length: 3 }, () => cluster!.submit(TINY)));
    await cluster.api.stop("SIGKILL");
    await cluster.startApi();
    await cluster.startWorker("w1");
    const done = await Promise.all(jobs.map((j) => cluster!.waitDone(j.id)));
    expect(done.map((j) => j.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // A second API process side by side sees the same jobs.
    const second = await startService({ env: { ...cluster.env, I2V_ROLE: "api" } });
    try {
      const listed = (await (await fetch(`${second.url}/v1/jobs`)).json()) as { jobs: { id: string }[] };
      expect(listed.jobs.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    } finally {
      await second.stop("SIGKILL");
    }
  });

  test("SIGTERM on the API with an SSE follower open exits 0 promptly; its job is untouched", async () => {
    cluster = await Cluster.start("file");
    const job = await cluster.submit(TINY);
    const follower = await fetch(`${cluster.api.url}/v1/jobs/${job.id}/events`);
    await follower.body?.getReader().read();
    const started = Date.now();
    expect(await cluster.api.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    await cluster.startApi();
    await cluster.startWorker("w1");
    expect((await cluster.waitDone(job.id)).status).toBe("succeeded");
  });

  test("more lost workers than I2V_JOB_ATTEMPTS: the job fails with `interrupted`", async () => {
    cluster = await Cluster.start("file", { I2V_JOB_ATTEMPTS: "1" });
    const worker = await cluster.startWorker("w1");
    const job = await cluster.submit(LONG);
    await cluster.waitFor(job.id, (j) => j.status === "running");
    await worker.stop("SIGKILL");
    await cluster.startWorker("w2");
    const done = await cluster.waitDone(job.id, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("interrupted");
  });

  test("a Redis that may evict keys is refused at start, with the fix", async () => {
    const redis = await startRedis(["--maxmemory-policy", "allkeys-lru"]);
    try {
      const start = startService({
        env: {
          I2V_ROLE: "api",
          I2V_QUEUE_URL: redis.url,
          I2V_STORAGE: "file:///tmp/i2v-unused",
          I2V_LOG_LEVEL: "info",
        },
      });
      await expect(start).rejects.toThrow(/maxmemory-policy allkeys-lru[\s\S]*noeviction/);
    } finally {
      await redis.stop();
    }
  });
});
