import { randomUUID } from "node:crypto";
import { describe, expect, test } from "vitest";
import type { InferenceEngine } from "../../src/engine/engine.ts";
import type { Admission } from "../../src/jobs/admission.ts";
import type { Job } from "../../src/jobs/job.ts";
import { JobRunner } from "../../src/jobs/lifecycle.ts";
import type { GenerateResult } from "../../src/pipeline/generate.ts";
import { EmbeddedQueue } from "../../src/queue/embedded.ts";
import { JobFiles } from "../../src/queue/job-files.ts";
import { DirectoryStorage } from "../../src/storage/directory.ts";
import { tempDir } from "../support/demo.ts";
import { waitUntil } from "./support.ts";

/**
 * Found by the load test: a job accepted while another finished stayed `queued` forever. The slot
 * was reserved in the waiting list before the job reached the store; a pump in between found no
 * job for the id and dropped it. Here the engine and admission are stand-ins; the job files and
 * storage are real, with one upload write held back to open that window on purpose.
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
    const dir = tempDir("i2v-queue-");
    const store = await JobFiles.open(dir);
    const storage = new DirectoryStorage(dir);
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
    const queue = new EmbeddedQueue(store, storage, { capacity: 2, concurrency: 1 });
    queue.attach(new JobRunner(queue, engine, admission, { deadlineMs: 60_000, progressEventMs: 1000 }));

    const first = job();
    await queue.submit(first, new Uint8Array([1]));
    await waitUntil(() => store.get(first.id)?.status === "running");

    // Hold the second job's upload write until the first job has finished and the queue pumped.
    const putInput = storage.putInput.bind(storage);
    let releaseCreate: () => void = () => undefined;
    storage.putInput = async (id, image) => {
      await new Promise<void>((resolve) => {
        releaseCreate = resolve;
      });
      return putInput(id, image);
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
