import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunningService } from "../../src/server/start.ts";
import { form, inProcessService, TINY, waitForJob } from "../server/helpers.ts";
import { goodImage } from "./inputs.ts";
import { recordFigures, waitUntil } from "./support.ts";

/**
 * Many clients following one job over SSE, then going away mid-stream: each stream holds one queue
 * listener while open, and every one is released when its client disconnects (no leak, no
 * warning), while the job runs on.
 */
const FOLLOWERS = 30;
let running: RunningService;
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);

beforeAll(async () => {
  running = await inProcessService();
  process.on("warning", onWarning);
}, 120_000);
afterAll(async () => {
  process.off("warning", onWarning);
  await running?.shutdown();
});

describe("SSE followers", () => {
  test(`${FOLLOWERS} followers that disconnect mid-job leave no listener behind`, async () => {
    const queue = running.service.jobs;
    const base = queue.listenerCount("update");
    const slow = { ...TINY, resolution: 128, num_frames: 8, num_inference_steps: 150 };
    const response = await running.app.request("/v1/jobs", {
      method: "POST",
      body: form(await goodImage(), slow),
    });
    const job = (await response.json()) as { id: string };
    await waitUntil(async () => {
      const view = (await (await running.app.request(`/v1/jobs/${job.id}`)).json()) as { status: string };
      return view.status === "running";
    });

    const controllers = Array.from({ length: FOLLOWERS }, () => new AbortController());
    const streams = await Promise.all(
      controllers.map((controller) =>
        fetch(`${running.url}/v1/jobs/${job.id}/events`, { signal: controller.signal }),
      ),
    );
    // Each has its first event, so each handler is subscribed.
    await Promise.all(streams.map((s) => s.body?.getReader().read()));
    const open = queue.listenerCount("update") - base;
    expect(open).toBe(FOLLOWERS);

    for (const controller of controllers) controller.abort();
    await waitUntil(() => queue.listenerCount("update") === base, 30_000);
    await running.app.request(`/v1/jobs/${job.id}/cancel`, { method: "POST" });
    expect((await waitForJob((p) => Promise.resolve(running.app.request(p)), job.id)).status).toBe(
      "canceled",
    );
    expect(warnings).toEqual([]);
    recordFigures("sse", {
      followers: FOLLOWERS,
      listeners_while_open: open,
      listeners_left: queue.listenerCount("update") - base,
      warnings: warnings.length,
    });
  }, 120_000);
});
