import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { startService, type TestService } from "../../../test/support/service.ts";
import { waitUntil as poll } from "../../../test/support/wait.ts";
import { fixture } from "../support/demo.ts";
import { form, TINY, waitForJob } from "./helpers.ts";

type JobView = {
  id: string;
  status: string;
  error: { code: string } | null;
  progress: { step: number } | null;
};

const SLOW = { ...TINY, resolution: 128, num_frames: 8, num_inference_steps: 60 };

async function submit(service: TestService, fields: Record<string, string | number>): Promise<JobView> {
  const response = await fetch(`${service.url}/v1/jobs`, {
    method: "POST",
    body: form(await fixture("astronaut.png"), fields),
  });
  expect(response.status).toBe(202);
  return (await response.json()) as JobView;
}

async function get(service: TestService, id: string): Promise<JobView> {
  return (await (await fetch(`${service.url}/v1/jobs/${id}`)).json()) as JobView;
}

async function readStored(dataDir: string, id: string): Promise<{ status: string; attempts: number }> {
  try {
    return JSON.parse(await readFile(path.join(dataDir, "jobs", `${id}.json`), "utf8"));
  } catch {
    return { status: "missing", attempts: -1 };
  }
}

/** A restart test polls the disk closely (every 50 ms), for at most 30 s. */
const waitUntil = (check: () => Promise<boolean>) => poll(check, 30_000, "condition", 50);

describe("service lifecycle (real process)", () => {
  test("kill -9 mid-job loses no accepted job: running and queued jobs run after the restart", async () => {
    const first = await startService();
    const running = await submit(first, SLOW);
    const queued = await submit(first, TINY);
    await waitUntil(async () => ((await get(first, running.id)).progress?.step ?? 0) >= 2);
    await first.stop("SIGKILL");

    const second = await startService({ dataDir: first.dataDir });
    try {
      const request = (p: string) => fetch(`${second.url}${p}`);
      const a = await waitForJob(request, running.id, 120_000);
      const b = await waitForJob(request, queued.id, 120_000);
      expect([a.status, b.status]).toEqual(["succeeded", "succeeded"]);
      const log = await readFile(path.join(second.dataDir, "jobs.log"), "utf8");
      expect(log).toContain(running.id);
    } finally {
      await second.stop();
    }
  });

  test("a job that was interrupted twice is failed with a reason, not retried forever", async () => {
    const first = await startService();
    const job = await submit(first, SLOW);
    // Kill only once the record on disk says running: that is what a restart reads.
    const onDisk = async () => (await readStored(first.dataDir, job.id)).status === "running";
    await waitUntil(onDisk);
    await first.stop("SIGKILL");
    const second = await startService({ dataDir: first.dataDir });
    await waitUntil(
      async () => (await readStored(second.dataDir, job.id)).attempts === 1 && (await onDisk()),
    );
    await second.stop("SIGKILL");
    const third = await startService({ dataDir: first.dataDir });
    try {
      const view = await get(third, job.id);
      expect(view.status).toBe("failed");
      expect(view.error?.code).toBe("interrupted");
    } finally {
      await third.stop();
    }
  });

  test("SIGTERM drains: refuses new work, requeues the running job, exits 0 within the deadline", async () => {
    const service = await startService({ env: { I2V_DRAIN_TIMEOUT_S: "1" } });
    // Far longer than the 1 s drain window, so it is still running when the drain gives up.
    const job = await submit(service, { ...SLOW, resolution: 384, num_frames: 16, num_inference_steps: 150 });
    await waitUntil(async () => (await get(service, job.id)).status === "running");
    const started = Date.now();
    const code = await service.stop("SIGTERM");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const record = JSON.parse(
      await readFile(path.join(service.dataDir, "jobs", `${job.id}.json`), "utf8"),
    ) as JobView;
    expect(record.status).toBe("queued");
  });

  test("SIGHUP reloads the model while the running job finishes on the old sessions", async () => {
    const service = await startService();
    try {
      const job = await submit(service, SLOW);
      await waitUntil(async () => (await get(service, job.id)).status === "running");
      service.process.kill("SIGHUP");
      await waitUntil(async () => service.output().includes("model reloaded"));
      const done = await waitForJob((p) => fetch(`${service.url}${p}`), job.id, 120_000);
      expect(done.status).toBe("succeeded");
      const after = await submit(service, TINY);
      expect((await waitForJob((p) => fetch(`${service.url}${p}`), after.id)).status).toBe("succeeded");
    } finally {
      await service.stop();
    }
  });
});
