import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasRedisServer } from "../support/redis-server.ts";
import { Cluster, isMp4, MEDIUM } from "./cluster.ts";

// Many jobs while workers are killed with -9 at random moments (and come back): every accepted
// job succeeds, with exactly one result each. Few runs: each kill costs a model load.
describe.skipIf(!hasRedisServer())("random worker kills", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start("file", { I2V_JOB_ATTEMPTS: "6" });
    await Promise.all([cluster.startWorker("w1"), cluster.startWorker("w2")]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  test("every job succeeds exactly once", { timeout: 600_000 }, async () => {
    const submitted: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 6 }),
        fc.array(
          fc.record({ afterMs: fc.integer({ min: 0, max: 1500 }), worker: fc.constantFrom("w1", "w2") }),
          {
            minLength: 1,
            maxLength: 2,
          },
        ),
        async (count, kills) => {
          const jobs = await Promise.all(Array.from({ length: count }, () => cluster.submit(MEDIUM)));
          submitted.push(...jobs.map((j) => j.id));
          for (const kill of kills) {
            await new Promise((r) => setTimeout(r, kill.afterMs));
            await cluster.workers.get(kill.worker)?.stop("SIGKILL");
            await cluster.startWorker(kill.worker);
          }
          const done = await Promise.all(jobs.map((j) => cluster.waitDone(j.id, 120_000)));
          expect(done.map((j) => j.status)).toEqual(done.map(() => "succeeded"));
          for (const job of jobs) expect(isMp4((await cluster.video(job.id)).bytes)).toBe(true);
        },
      ),
      { numRuns: 3 },
    );
    // Exactly one result per job: one video per accepted job in storage, and nothing else.
    const videos = await readdir(`${fileURLToPath(cluster.env.I2V_STORAGE as string)}/videos`);
    expect(videos.sort()).toEqual(submitted.map((id) => `${id}.mp4`).sort());
  });
});
