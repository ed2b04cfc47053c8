import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunningService } from "../../src/server/start.ts";
import { fixture } from "../support/demo.ts";
import { form, inProcessService, TINY, waitForJob } from "./helpers.ts";

let running: RunningService;
let image: Buffer;
const request = (path: string, init?: RequestInit) => Promise.resolve(running.app.request(path, init));
const post = (body: FormData | string, headers: Record<string, string> = {}) =>
  request("/v1/jobs", { method: "POST", body, headers });

beforeAll(async () => {
  running = await inProcessService({ I2V_QUEUE_CAPACITY: "1" });
  image = await fixture("astronaut.png");
}, 120_000);
afterAll(() => running?.shutdown());

describe("jobs API (in-process)", () => {
  test("multipart create -> 202 with Location, then succeeded with a video", async () => {
    const response = await post(form(image, { ...TINY, prompt: "pan left", seed: 5 }));
    expect(response.status).toBe(202);
    const job = (await response.json()) as { id: string; status: string; params: { seed: number } };
    expect(response.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
    expect(job.params.seed).toBe(5);
    const done = await waitForJob(request, job.id);
    expect(done.status).toBe("succeeded");
    expect(done.video_url).toBe(`/v1/jobs/${job.id}/video`);
    expect(Object.keys(done.timings as object)).toEqual(
      expect.arrayContaining(["denoise", "vae_decode", "encode"]),
    );
    const video = await request(`/v1/jobs/${job.id}/video`);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    const bytes = new Uint8Array(await video.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe("ftyp");
    const partial = await request(`/v1/jobs/${job.id}/video`, { headers: { range: "bytes=0-99" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe(`bytes 0-99/${bytes.length}`);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
  });

  test("a job that ran once reports attempts 0; GET /v1/jobs?limit= outside 1..100 is a 400, not a default", async () => {
    const created = (await (await post(form(image, TINY))).json()) as { id: string };
    const done = await waitForJob(request, created.id);
    expect(done).toMatchObject({ status: "succeeded", attempts: 0 });
    for (const limit of ["0", "-5", "abc", "101", "2.5", ""]) {
      const response = await request(`/v1/jobs?limit=${limit}`);
      expect({ limit, status: response.status }).toEqual({ limit, status: 400 });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("invalid_parameters");
      expect(body.error.message).toContain("from 1 to 100");
    }
    for (const limit of ["1", "100"]) expect((await request(`/v1/jobs?limit=${limit}`)).status).toBe(200);
    const one = (await (await request("/v1/jobs?limit=1")).json()) as { jobs: unknown[] };
    expect(one.jobs).toHaveLength(1);
  });

  test("JSON with a data URL works the same", async () => {
    const body = JSON.stringify({ ...TINY, image: `data:image/png;base64,${image.toString("base64")}` });
    const response = await post(body, { "content-type": "application/json" });
    expect(response.status).toBe(202);
    const job = (await response.json()) as { id: string };
    expect((await waitForJob(request, job.id)).status).toBe("succeeded");
  });

  test("the same client_id returns the same job; a different request with it is a conflict", async () => {
    const first = await post(form(image, { ...TINY, client_id: "retry-1" }));
    expect(first.status).toBe(202);
    const firstId = ((await first.json()) as { id: string }).id;
    const again = await post(form(image, { ...TINY, client_id: "retry-1" }));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(firstId);
    await waitForJob(request, firstId);
    const other = await post(form(image, { ...TINY, client_id: "retry-1", prompt: "zoom in" }));
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("conflict");
  });

  test("a full queue answers 429 with Retry-After; cancel frees it", async () => {
    // Long enough (tens of seconds) that it is still running when the test cancels it, even on a fast machine.
    const slow = { ...TINY, resolution: 384, num_frames: 16, num_inference_steps: 150 };
    const a = (await (await post(form(image, slow))).json()) as { id: string };
    const b = (await (await post(form(image, slow))).json()) as { id: string; status: string };
    const c = await post(form(image, slow));
    expect(c.status).toBe(429);
    expect(Number(c.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await c.json()) as { error: { code: string } }).error.code).toBe("queue_full");
    const queued = (await (await request(`/v1/jobs/${b.id}`)).json()) as {
      status: string;
      queue_position: number;
    };
    expect(queued).toMatchObject({ status: "queued", queue_position: 1 });
    const canceledQueued = (await (await request(`/v1/jobs/${b.id}/cancel`, { method: "POST" })).json()) as {
      status: string;
    };
    expect(canceledQueued.status).toBe("canceled");
    await request(`/v1/jobs/${a.id}/cancel`, { method: "POST" });
    const doneA = await waitForJob(request, a.id);
    expect(doneA.status).toBe("canceled");
    expect((doneA.error as { code: string }).code).toBe("canceled");
    expect((doneA.progress as { step: number; steps: number }).step).toBeLessThan(150);
    expect((await request(`/v1/jobs/${a.id}/video`)).status).toBe(409);
  });

  test("bad requests get 4xx JSON errors with a stable code and a hint", async () => {
    const cases: Array<[FormData | string, Record<string, string>, number, string]> = [
      [form(image, { num_frames: 1000 }), {}, 400, "invalid_parameters"],
      [form(image, { preset: "ultra" }), {}, 400, "invalid_parameters"],
      [form(image, { guidance_scale: "lots" }), {}, 400, "invalid_parameters"],
      [form(image, { unknown_field: 1 }), {}, 400, "invalid_parameters"],
      [form(new TextEncoder().encode("not an image at all")), {}, 400, "invalid_image"],
      ["{", { "content-type": "application/json" }, 400, "invalid_request"],
      [
        JSON.stringify({ image: "http://example.invalid/x.png" }),
        { "content-type": "application/json" },
        400,
        "invalid_request",
      ],
      ["plain", { "content-type": "text/plain" }, 400, "invalid_request"],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await post(body, headers);
      const json = (await response.json()) as { error: { code: string; hint: string } };
      expect({ status: response.status, code: json.error.code }).toEqual({ status, code });
      expect(json.error.hint.length).toBeGreaterThan(10);
    }
    const missing = await request("/v1/jobs/00000000-0000-0000-0000-000000000000");
    expect(missing.status).toBe(404);
    const traversal = await request("/v1/jobs/..%2F..%2Fetc%2Fpasswd");
    expect(traversal.status).toBe(404);
  });

  test("presets, system, health, metrics and OpenAPI", async () => {
    const presets = (await (await request("/v1/presets")).json()) as {
      presets: Array<{ name: string; fits: boolean }>;
    };
    expect(presets.presets.map((p) => p.name)).toEqual(["quick", "standard", "high", "max"]);
    expect(presets.presets.every((p) => p.fits)).toBe(true);
    const system = (await (await request("/v1/system")).json()) as {
      model: { name: string };
      queue: { capacity: number };
    };
    expect(system.model.name).toBe("i2v-demo");
    expect(system.queue.capacity).toBe(1);
    expect((await request("/livez")).status).toBe(200);
    expect((await request("/readyz")).status).toBe(200);
    const metrics = await (await request("/metrics")).text();
    expect(metrics).toMatch(/i2v_jobs_total\{preset="quick",outcome="succeeded"\} \d+/);
    expect(metrics).toMatch(/i2v_refusals_total\{reason="queue_full"\} 1/);
    expect(metrics).toContain("i2v_stage_duration_seconds_bucket");
    const openapi = (await (await request("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain("/v1/jobs/{id}/events");
  });

  test("server-sent events follow a job to its end", async () => {
    const job = (await (await post(form(image, TINY))).json()) as { id: string };
    const response = await request(`/v1/jobs/${job.id}/events`);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events.at(-1)).toBe("succeeded");
    expect(events).toContain("progress");
  });

  test("one request over a real socket", async () => {
    const response = await fetch(`${running.url}/v1/jobs`, { method: "POST", body: form(image, TINY) });
    expect(response.status).toBe(202);
    const job = (await response.json()) as { id: string };
    const done = await waitForJob((p) => fetch(`${running.url}${p}`), job.id);
    expect(done.status).toBe("succeeded");
  });
});

describe("memory admission", () => {
  let small: RunningService;
  beforeAll(async () => {
    small = await inProcessService({ I2V_FREE_MEMORY_MB: "400" });
  }, 120_000);
  afterAll(() => small?.shutdown());

  test("refuses what would not fit, with the needed and free figures, and greys out presets", async () => {
    const response = await small.app.request("/v1/jobs", {
      method: "POST",
      body: form(image, { preset: "high" }),
    });
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as {
      error: { code: string; details: { needed_mb: number; free_mb: number } };
    };
    expect(error.code).toBe("insufficient_memory");
    expect(error.details.needed_mb).toBeGreaterThan(error.details.free_mb / 1.1);
    expect(error.details.free_mb).toBe(400);
    const presets = (await (await small.app.request("/v1/presets")).json()) as {
      presets: Array<{ name: string; fits: boolean; reason: string | null }>;
    };
    const byName = Object.fromEntries(presets.presets.map((p) => [p.name, p]));
    expect(byName.quick?.fits).toBe(true);
    expect(byName.high?.fits).toBe(false);
    expect(byName.high?.reason).toMatch(/MiB free/);
    const ok = await small.app.request("/v1/jobs", { method: "POST", body: form(image, TINY) });
    expect(ok.status).toBe(202);
  });
});
