import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { percentile } from "../../client/log-summary.ts";
import { ensureDemoModel } from "../../runtime/src/demo-model/build.ts";
import { Mp4Writer } from "../../runtime/src/encode/mp4-writer.ts";
import { generate } from "../../runtime/src/pipeline/generate.ts";
import { LoadedModel } from "../../runtime/src/pipeline/model.ts";
import { resolveParams } from "../../runtime/src/pipeline/params.ts";
import { startService, type TestService } from "../../test/support/service.ts";
import { type BenchSuite, type Figure, figure } from "../types.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
/**
 * A demo size whose quick-preset job takes several seconds here, as real jobs take tens of seconds:
 * with 1 s jobs the fixed per-job work (upload, first-job wait) dominates what is measured.
 */
const DEMO_SIZE = { width: 48, depth: 3 };
const JOB = { preset: "quick", seed: 1 } as const;
/** Clients polling the status route back to back while a job runs. */
const STATUS_CLIENTS = 4;

/**
 * The service against the raw pipeline. Throughput: the same jobs run back to back in this process
 * (the raw loop) and through the service at concurrency c, alternating round by round so machine
 * noise hits both alike; the figure is the ratio of total times. Status latency: p99 of
 * GET /v1/jobs/:id from loopback clients while a generation runs.
 */
export const suite: BenchSuite = {
  name: "service",
  async run({ quick, log }) {
    const image = await readFile(path.join(ROOT, "test/fixtures/astronaut.png"));
    const rounds = quick ? 2 : 4;
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), "i2v-bench-service-"));
    const model = await LoadedModel.load(await ensureDemoModel(cacheDir, DEMO_SIZE));
    const params = resolveParams(JOB, { negative_prompt: "", scheduler: "ddim" });
    const raw = async (count: number) => {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        await generate(
          model.sessions,
          model.tokenizer,
          params,
          image,
          new Mp4Writer(path.join(cacheDir, `raw-${i}.mp4`)),
        );
      }
      return performance.now() - started;
    };
    const env = (concurrency: number) => ({
      I2V_DEMO_SIZE: `${DEMO_SIZE.width}x${DEMO_SIZE.depth}`,
      I2V_CACHE_DIR: cacheDir,
      I2V_CONCURRENCY: String(concurrency),
      I2V_QUEUE_CAPACITY: "20",
      // info, not warn: startService waits for the "listening on" line, which is logged at info.
      I2V_LOG_LEVEL: "info",
    });

    const figures: Figure[] = [];
    try {
      for (const concurrency of quick ? [1, 2] : [1, 2, 3]) {
        const service = await startService({ env: env(concurrency) });
        try {
          let rawMs = 0;
          let serviceMs = 0;
          for (let round = 0; round < rounds; round++) {
            rawMs += await raw(concurrency);
            serviceMs += (await runJobs(service, image, concurrency, 0)).elapsedMs;
          }
          const ratio = rawMs / serviceMs;
          log(
            `concurrency ${concurrency}: raw ${(rawMs / 1000).toFixed(1)} s, service ${(serviceMs / 1000).toFixed(1)} s for ${rounds * concurrency} jobs`,
          );
          figures.push(
            figure({
              name: `service throughput / raw loop, concurrency ${concurrency}`,
              value: ratio,
              unit: "ratio",
              target: concurrency <= 2 ? 0.97 : null,
              better: "higher",
              how: `npm run bench -- --only=service (${rounds} alternating rounds of ${concurrency} quick jobs, demo ${DEMO_SIZE.width}x${DEMO_SIZE.depth})`,
            }),
          );
          if (concurrency === 1) {
            const { statusP99, requests } = await runJobs(service, image, 1, STATUS_CLIENTS);
            log(`status route: ${requests} requests during a generation, p99 ${statusP99?.toFixed(1)} ms`);
            figures.push(
              figure({
                name: "GET /v1/jobs/:id p99 while generating",
                value: statusP99 ?? Number.NaN,
                unit: "ms",
                target: 20,
                better: "lower",
                how: `${STATUS_CLIENTS} loopback clients polling back to back during one quick job`,
              }),
            );
          }
        } finally {
          await service.stop();
        }
      }
    } finally {
      await model.release();
    }
    return figures;
  },
};

/** Submits `count` jobs, waits for all of them, and has `statusClients` poll the first one meanwhile. */
async function runJobs(service: TestService, image: Buffer, count: number, statusClients: number) {
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = new FormData();
    body.set("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "in.png");
    for (const [k, v] of Object.entries(JOB)) body.set(k, String(v));
    const response = await fetch(`${service.url}/v1/jobs`, { method: "POST", body });
    if (response.status !== 202)
      throw new Error(`submit failed: ${response.status} ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  const latencies: number[] = [];
  let done = false;
  const pollers = Array.from({ length: statusClients }, async () => {
    while (!done) {
      const t = performance.now();
      await (await fetch(`${service.url}/v1/jobs/${ids[0]}`)).arrayBuffer();
      latencies.push(performance.now() - t);
    }
  });
  // Follow each job over its event stream (the way the page does), not by polling: on 2 cores a
  // fast polling loop takes CPU from the very inference it measures.
  for (const id of ids) {
    const events = await (await fetch(`${service.url}/v1/jobs/${id}/events`)).text();
    const last = [...events.matchAll(/^event: (\w+)$/gm)].at(-1)?.[1];
    if (last !== "succeeded") throw new Error(`job ${id} ended with ${last}`);
  }
  const elapsedMs = performance.now() - started;
  done = true;
  await Promise.all(pollers);
  return { elapsedMs, statusP99: percentile(latencies, 99) ?? undefined, requests: latencies.length };
}
