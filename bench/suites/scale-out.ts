import os from "node:os";
import { Job as BullJob, Queue } from "bullmq";
import { Redis } from "ioredis";
import { percentile } from "../../client/log-summary.ts";
import { BULL_PREFIX, QUEUE_NAME } from "../../runtime/src/queue/redis.ts";
import { Cluster, LONG } from "../../test/scale-out/cluster.ts";
import { hasRedisServer } from "../../test/support/redis-server.ts";
import { type BenchSuite, type Figure, figure } from "../types.ts";

/**
 * A demo size and job of several seconds (as the service suite uses): with 1 s jobs the fixed work
 * around each job (upload, encode with ffmpeg, polling) is most of what two cores share.
 */
const DEMO_SIZE = "48x3";
const JOB = { preset: "quick", seed: 1, prompt: "a" };
const TINY = { preset: "quick", resolution: 64, num_frames: 2, num_inference_steps: 2, prompt: "a" };

/**
 * The scale-out shape on one host, measured side by side in one run: API + workers as processes
 * over a real redis-server (docs/scale-out.md). Throughput of two 1-thread workers against twice
 * one such worker, alternating; enqueue-to-start; redelivery after kill -9 with the production
 * lease; progress latency from the queue's channel to an SSE client of the API.
 */
export const suite: BenchSuite = {
  name: "scale-out",
  async run({ quick, log }) {
    if (!hasRedisServer()) throw new Error("redis-server is needed (apt-get install redis-server)");
    const figures: Figure[] = [];
    const cluster = await Cluster.start("file", {
      I2V_LOG_LEVEL: "info",
      I2V_QUEUE_CAPACITY: "50",
      I2V_DEMO_SIZE: DEMO_SIZE,
    });
    try {
      await Promise.all([cluster.startWorker("w1"), cluster.startWorker("w2")]);
      const batch = async (count: number) => {
        const started = performance.now();
        const jobs = await Promise.all(Array.from({ length: count }, () => cluster.submit(JOB)));
        for (const job of jobs) {
          const done = await cluster.waitDone(job.id, 300_000);
          if (done.status !== "succeeded") throw new Error(`job ${job.id} ${done.status}`);
        }
        return performance.now() - started;
      };

      // Throughput: K jobs on one worker vs 2K on two, alternating so machine noise hits both.
      const perWorker = quick ? 3 : 6;
      const rounds = quick ? 2 : 3;
      let oneMs = 0;
      let twoMs = 0;
      for (let round = 0; round < rounds; round++) {
        await cluster.workers.get("w2")?.stop("SIGTERM");
        oneMs += await batch(perWorker);
        await cluster.startWorker("w2");
        twoMs += await batch(2 * perWorker);
      }
      const scaling = oneMs / twoMs; // (2K / two) / (2 * K / one)
      log(
        `${rounds} rounds: 1 worker ${(oneMs / 1000).toFixed(1)} s for ${perWorker}, 2 workers ${(twoMs / 1000).toFixed(1)} s for ${2 * perWorker}`,
      );
      figures.push(
        figure({
          name: "2 workers (1 thread each) / 2 x one worker, throughput",
          value: scaling,
          unit: "ratio",
          target: 0.9,
          better: "higher",
          how: `npm run bench -- --only=scale-out (${rounds} alternating rounds, ${perWorker} jobs per worker, I2V_THREADS=1, demo ${DEMO_SIZE}, host load average ${(os.loadavg()[0] ?? 0).toFixed(1)} on ${os.availableParallelism()} cores)`,
        }),
      );

      // Enqueue to start, one small job at a time on idle workers: BullMQ's own timestamps (added
      // by the API, taken by a worker), and the API's acceptance to the worker's `running` record.
      const queue = new Queue(QUEUE_NAME, { connection: { url: cluster.redis.url }, prefix: BULL_PREFIX });
      const waits: number[] = [];
      const accepted: number[] = [];
      for (let i = 0; i < (quick ? 20 : 60); i++) {
        const job = await cluster.submit(TINY);
        const done = await cluster.waitDone(job.id);
        const bull = await BullJob.fromId(queue, job.id);
        if (bull?.processedOn) waits.push(bull.processedOn - bull.timestamp);
        accepted.push(Date.parse(done.started_at as string) - Date.parse(done.created_at as string));
      }
      await queue.close();
      for (const p of [50, 99] as const) {
        figures.push(
          figure({
            name: `enqueue-to-start p${p}`,
            value: percentile(waits, p) ?? Number.NaN,
            unit: "ms",
            target: p === 99 ? 50 : null,
            better: "lower",
            how: `${waits.length} jobs one at a time on idle workers: BullMQ processedOn - timestamp`,
          }),
        );
      }
      figures.push(
        figure({
          name: "accepted-to-running p99 (API 202 work + queue + worker start)",
          value: percentile(accepted, 99) ?? Number.NaN,
          unit: "ms",
          target: null,
          better: "lower",
          how: `the same ${accepted.length} jobs: record started_at (worker) - created_at (API), one host`,
        }),
      );

      // Progress latency: the worker's PUBLISH reaches this process and the API at once; the API
      // then writes it to its SSE clients. Measured per step: SSE arrival - channel arrival.
      const channel = new Redis(cluster.redis.url);
      const heard = new Map<string, number>();
      await channel.subscribe("i2v:updates");
      channel.on("message", (_c, text: string) => {
        const job = JSON.parse(text) as { progress: { stage: string; step: number } | null };
        if (job.progress) heard.set(`${job.progress.stage}:${job.progress.step}`, performance.now());
      });
      const job = await cluster.submit(JOB);
      const response = await fetch(`${cluster.api.url}/v1/jobs/${job.id}/events`);
      const decoder = new TextDecoder();
      const lags: number[] = [];
      let buffer = "";
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const now = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (const match of buffer.matchAll(/event: progress\ndata: (.*)\n/g)) {
          const p = (JSON.parse(match[1] as string) as { progress: { stage: string; step: number } })
            .progress;
          const at = heard.get(`${p.stage}:${p.step}`);
          if (at !== undefined) lags.push(now - at);
        }
        buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
      }
      channel.disconnect();
      figures.push(
        figure({
          name: "progress latency, queue channel -> API SSE client, p99",
          value: percentile(lags, 99) ?? Number.NaN,
          unit: "ms",
          target: null,
          better: "lower",
          how: `${lags.length} progress events of one job: SSE arrival minus the same update's arrival on the Redis channel`,
        }),
      );

      // Redelivery after kill -9 with the production lease (I2V_LEASE_S default 20 s).
      for (const id of ["w1", "w2"]) await cluster.workers.get(id)?.stop("SIGTERM");
      await Promise.all(["w1", "w2"].map((id) => cluster.startWorker(id, { I2V_LEASE_S: "20" })));
      const long = await cluster.submit(LONG);
      const running = await cluster.waitFor(long.id, (j) => j.status === "running" && Boolean(j.worker_id));
      const victim = running.worker_id as string;
      const killed = performance.now();
      await cluster.workers.get(victim)?.stop("SIGKILL");
      await cluster.waitFor(long.id, (j) => j.status === "running" && j.worker_id !== victim, 120_000);
      const redeliveryS = (performance.now() - killed) / 1000;
      log(`redelivery after kill -9: ${redeliveryS.toFixed(1)} s (lease 20 s)`);
      figures.push(
        figure({
          name: "redelivery after worker kill -9",
          value: redeliveryS,
          unit: "s",
          target: 35,
          better: "lower",
          how: "one long job, its worker killed with -9; time until the other worker runs it (I2V_LEASE_S=20)",
        }),
      );
    } finally {
      await cluster.stop();
    }
    return figures;
  },
};
