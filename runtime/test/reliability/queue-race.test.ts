import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { InferenceEngine } from "../../src/engine/engine.ts";
import type { Admission } from "../../src/jobs/admission.ts";
import type { Job } from "../../src/jobs/job.ts";
import { JobQueue } from "../../src/jobs/queue.ts";
import { JobStore } from "../../src/jobs/store.ts";
import type { GenerateResult } from "../../src/pipeline/generate.ts";
import { tempDir } from "../support/demo.ts";
import { waitUntil } from "./support.ts";

/**
 * Found by the load test: a job accepted while another finished stayed `queued` forever. The slot
 * was reserved in the waiting list before the job reached the store; a pump in between found no
 * job for the id and dropped it. Here the engine and admission are stand-ins; the store is real,
 * with one upload write held back to open that window on purpose.
 */
const RESULT = {
  width: 64,
  height: 64,
  frames: 2,
  fps: 8,
  seed: 0,
  timings: {},
  ortMs: 0,
  ortBySession: {},
  peakRssMb: 0,
  startRssMb: 0,
} as unknown as GenerateResult;

function job(): Job {
  return {
    id: randomUUID(),
    client_id: null,
    status: "queued",
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    params: {} as Job["params"],
    size: { width: 64, height: 64 },
    estimated_mb: 1,
    progress: null,
    timings: null,
    result: null,
    error: null,
    attempts: 0,
    request_digest: "",
  };
}

describe("queue: a job accepted while another finishes", () => {
  test("is run, not dropped", async () => {
    const store = await JobStore.open(tempDir("i2v-queue-"));
    let finishFirst: () => void = () => undefined;
    const firstRuns = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    let calls = 0;
    const engine = {
      generate: async () => {
        calls += 1;
        if (calls === 1) await firstRuns;
        return RESULT;
      },
      cancel: () => undefined,
    } as unknown as InferenceEngine;
    const admission = { reserve() {}, release() {}, observe() {} } as unknown as Admission;
    const queue = new JobQueue(store, engine, admission, { capacity: 2, concurrency: 1, deadlineMs: 60_000 });

    const first = job();
    await queue.submit(first, new Uint8Array([1]));
    await waitUntil(() => store.get(first.id)?.status === "running");

    // Hold the second job's upload write until the first job has finished and the queue pumped.
    const create = store.create.bind(store);
    let releaseCreate: () => void = () => undefined;
    store.create = async (j, image) => {
      await new Promise<void>((resolve) => {
        releaseCreate = resolve;
      });
      return create(j, image);
    };
    const second = job();
    const submitted = queue.submit(second, new Uint8Array([2]));
    finishFirst();
    await waitUntil(() => store.get(first.id)?.status === "succeeded");
    releaseCreate();
    await submitted;
    await waitUntil(() => store.get(second.id)?.status === "succeeded", 10_000);
    expect(calls).toBe(2);
  });
});
