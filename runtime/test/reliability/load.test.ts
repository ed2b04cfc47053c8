import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startService, type TestService } from "../../../test/support/service.ts";
import { form, TINY } from "../server/helpers.ts";
import { fixture } from "../support/demo.ts";
import { type ErrorBody, percentile, recordFigures } from "./support.ts";

/**
 * Loopback load on the real process: bursts of ten times the queue's capacity, twice. The excess
 * gets 429 queue_full, every accepted job finishes, the process's memory stays bounded (and does
 * not grow from one burst to the next), and job status stays quick to read while jobs run.
 */
/** Bursts in a row: the first ones warm up allocators, the later ones show whether memory grows. */
const ROUNDS = 4;

type JobView = { id: string; status: string; error: { code: string; message: string } | null };

let service: TestService;
let image: Buffer;
beforeAll(async () => {
  service = await startService();
  image = await fixture("astronaut.png");
}, 120_000);
afterAll(() => service?.stop());

/** The service process's resident memory (MiB), from /proc. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0) / 1024;
}

describe("load (real process, loopback)", () => {
  test("bursts of 10x the queue capacity: 429 for the excess, all accepted finish, memory bounded, status quick", async () => {
    const pid = service.process.pid as number;
    const system = (await (await fetch(`${service.url}/v1/system`)).json()) as {
      queue: { capacity: number };
    };
    const capacity = system.queue.capacity;
    const burstSize = capacity * 10;
    const baselineMb = rssMb(pid);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(pid)), 100);
    const latencies: number[] = [];
    const rounds: Array<{
      sent: number;
      accepted: number;
      refused: number;
      peak_rss_mb: number;
      seconds: number;
    }> = [];
    const started = Date.now();
    let succeeded = 0;
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const roundStart = Date.now();
        samples.length = 0;
        const responses = await Promise.all(
          Array.from({ length: burstSize }, (_, i) =>
            fetch(`${service.url}/v1/jobs`, { method: "POST", body: form(image, { ...TINY, seed: i }) }),
          ),
        );
        const accepted: string[] = [];
        let refused = 0;
        for (const response of responses) {
          if (response.status === 202) {
            accepted.push(((await response.json()) as JobView).id);
            continue;
          }
          expect(response.status).toBe(429);
          expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          expect(((await response.json()) as ErrorBody).error.code).toBe("queue_full");
          refused += 1;
        }
        // Waiting plus running, plus any that finished during the burst: never the whole burst.
        expect(accepted.length).toBeGreaterThanOrEqual(capacity);
        expect(refused).toBeGreaterThanOrEqual(burstSize - capacity * 3);

        // Poll every accepted job until all are terminal, timing each status read.
        const pending = new Set(accepted);
        const until = Date.now() + 60_000;
        while (pending.size > 0) {
          if (Date.now() > until) throw new Error(`jobs not finished: ${[...pending].join(", ")}`);
          for (const id of [...pending]) {
            const t = performance.now();
            const job = (await (await fetch(`${service.url}/v1/jobs/${id}`)).json()) as JobView;
            latencies.push(performance.now() - t);
            if (["succeeded", "failed", "canceled"].includes(job.status)) {
              expect({ id, status: job.status, error: job.error }).toEqual({
                id,
                status: "succeeded",
                error: null,
              });
              succeeded += 1;
              pending.delete(id);
            }
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        rounds.push({
          sent: burstSize,
          accepted: accepted.length,
          refused,
          peak_rss_mb: Math.round(Math.max(...samples)),
          seconds: Math.round((Date.now() - roundStart) / 100) / 10,
        });
      }
    } finally {
      clearInterval(sampler);
    }
    const peaks = rounds.map((r) => r.peak_rss_mb);
    const figures = {
      queue_capacity: capacity,
      rounds,
      jobs_accepted: rounds.reduce((sum, r) => sum + r.accepted, 0),
      jobs_succeeded: succeeded,
      jobs_lost: rounds.reduce((sum, r) => sum + r.accepted, 0) - succeeded,
      baseline_rss_mb: Math.round(baselineMb),
      status_reads: latencies.length,
      status_p50_ms: Math.round(percentile(latencies, 50) * 10) / 10,
      status_p99_ms: Math.round(percentile(latencies, 99) * 10) / 10,
      status_max_ms: Math.round(Math.max(...latencies) * 10) / 10,
      total_seconds: Math.round((Date.now() - started) / 1000),
    };
    recordFigures("load", figures);
    // Bounded: a burst costs the queue's jobs, not the burst's size, and later bursts do not keep
    // adding (the first two warm up V8's heap and ONNX Runtime's arena; noise allowance 150 MiB).
    expect(Math.max(...peaks)).toBeLessThan(baselineMb + 600);
    expect(Math.max(...peaks.slice(2))).toBeLessThan(Math.max(...peaks.slice(0, 2)) + 150);
    // Status reads stay quick while inference runs in the worker (generous for a loaded machine).
    expect(figures.status_p99_ms).toBeLessThan(1000);
    expect((await fetch(`${service.url}/livez`)).status).toBe(200);
  }, 300_000);
});
