import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasMotoServer, startMoto, type TestMoto } from "../../../test/support/moto-server.ts";
import { hasRedisServer, startRedis, type TestRedis } from "../../../test/support/redis-server.ts";
import { SharedQueue } from "../../src/queue/shared-queue.ts";
import { BacklogMetrics } from "../../src/roles/backlog-metrics.ts";
import { openStorage } from "../../src/storage/open.ts";

// The API role's scaling signal, published to moto's real CloudWatch endpoint and read back.
describe.runIf(hasRedisServer() && hasMotoServer())("backlog metrics", () => {
  let redis: TestRedis;
  let moto: TestMoto;
  let jobs: SharedQueue;
  beforeAll(async () => {
    redis = await startRedis();
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    jobs = await SharedQueue.open(
      redis.url,
      openStorage("file:///tmp/i2v-backlog-test"),
      { capacityPerWorker: 50 },
      pino({ level: "silent" }),
    );
  }, 60_000);
  afterAll(async () => {
    await jobs?.close();
    await redis?.stop();
    await moto?.stop();
  });

  test("Backlog = waiting + active and BacklogPerWorker = Backlog / max(1, workers), by Stack", async () => {
    const now = new Date();
    for (let i = 0; i < 3; i++) {
      const id = `0b7a6c1e-8a59-4a8e-9d55-1c1e5ab0c0d${i}`;
      await jobs.submit(
        {
          id,
          client_id: null,
          status: "queued",
          created_at: now.toISOString(),
          started_at: null,
          finished_at: null,
          params: {} as never,
          size: { width: 64, height: 64 },
          estimated_mb: 0,
          progress: null,
          timings: null,
          result: null,
          error: null,
          attempts: 0,
          request_digest: "x",
        },
        new Uint8Array([1]),
      );
    }
    const metrics = new BacklogMetrics(
      jobs,
      { namespace: "I2V/Test", stack: "dev" },
      pino({ level: "silent" }),
    );
    expect(await metrics.publish(now)).toEqual({ Backlog: 3, BacklogPerWorker: 3 });
    const client = new CloudWatchClient({});
    for (const [name, value] of [
      ["Backlog", 3],
      ["BacklogPerWorker", 3],
    ] as const) {
      const stats = await client.send(
        new GetMetricStatisticsCommand({
          Namespace: "I2V/Test",
          MetricName: name,
          Dimensions: [{ Name: "Stack", Value: "dev" }],
          StartTime: new Date(now.getTime() - 60_000),
          EndTime: new Date(now.getTime() + 60_000),
          Period: 60,
          Statistics: ["Maximum"],
        }),
      );
      expect(stats.Datapoints?.map((d) => d.Maximum)).toEqual([value]);
    }
  });
});
