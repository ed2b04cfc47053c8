import { mkdtempSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import { Validator } from "@seriousme/openapi-schema-validator";
import pino from "pino";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SECRET, startReceiver } from "../../../test/support/webhook-receiver.ts";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { ERROR_CODES } from "../../src/errors.ts";
import { openSingleBox } from "../../src/roles/single-box.ts";
import { createApp } from "../../src/server/app.ts";
import { Service } from "../../src/server/service.ts";
import type { RunningService } from "../../src/server/start.ts";
import { goodImage } from "../reliability/inputs.ts";
import { contractChecker, type Recorded } from "./contract-check.ts";
import { form, inProcessService, TINY } from "./helpers.ts";

/**
 * The contract test: real use of the service over a socket, every route and error kind, each
 * answer checked against the served /openapi.json (document: an OpenAPI 3.1 validator; bodies:
 * ajv 2020-12). Undeclared properties fail: the generated schemas close every object.
 */
const TOKEN = "contract-token-0123456789";
const ZERO_ID = "00000000-0000-0000-0000-000000000000";
const SLOW = { ...TINY, resolution: 384, num_frames: 16, num_inference_steps: 150 };

let running: RunningService;
let loading: { url: string; close(): void };
let document: Record<string, unknown>;
const records: Recorded[] = [];

type Call = {
  method?: string;
  body?: FormData | string;
  headers?: Record<string, string>;
  token?: string | null;
};

/** Calls the service over its socket and records the answer under the document's path template. */
async function call(base: string, label: string, template: string, url: string, init: Call = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
  const response = await fetch(`${base}${url}`, { method: init.method ?? "GET", body: init.body, headers });
  const body = await response.text();
  const record: Recorded = {
    method: init.method ?? "GET",
    template,
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    body:
      response.headers.get("content-type")?.startsWith("video/") && body ? `<${body.length} bytes>` : body,
    label,
  };
  records.push(record);
  return { status: response.status, headers: response.headers, json: () => JSON.parse(body), body };
}
const api = (label: string, template: string, url: string, init?: Call) =>
  call(running.url, label, template, url, init);

/**
 * A body over I2V_MAX_BODY_BYTES: the server answers 413 from the Content-Length and closes, so
 * the body is never sent (fetch would fail writing it).
 */
function oversizedUpload(): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${running.url}/v1/jobs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "multipart/form-data; boundary=x",
        "content-length": String(3 * 1024 * 1024),
      },
    });
    request.on("response", (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => {
        request.destroy();
        resolve({
          method: "POST",
          template: "/v1/jobs",
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          body,
          label: "payload_too_large",
        });
      });
    });
    request.on("error", reject);
    request.flushHeaders();
  });
}

async function waitFor(id: string, statuses: string[]): Promise<{ status: string }> {
  for (const until = Date.now() + 120_000; Date.now() < until; ) {
    const job = (await api("poll", "/v1/jobs/{id}", `/v1/jobs/${id}`)).json();
    if (statuses.includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} never reached ${statuses}`);
}

beforeAll(async () => {
  running = await inProcessService({
    I2V_TOKEN: TOKEN,
    I2V_QUEUE_CAPACITY: "1",
    I2V_FREE_MEMORY_MB: "8000",
    I2V_MAX_BODY_BYTES: String(2 * 1024 * 1024),
    I2V_WEBHOOK_SECRET: SECRET,
    I2V_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
  });
  // A second app whose model never loads, to record readiness while loading, model_not_ready and
  // the rate limit.
  const config = parseServiceConfig({
    I2V_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "i2v-contract-")),
    I2V_RATE_LIMIT_PER_MIN: "3",
  });
  const app = createApp(
    new Service(
      config,
      await openSingleBox(config).then((queue) => ({ jobs: queue, storage: queue.storage })),
      pino({ level: "silent" }),
      "0",
    ),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  loading = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
  await recordRealUse();
  document = (await api("document", "/openapi.json", "/openapi.json")).json();
}, 300_000);
afterAll(async () => {
  loading?.close();
  await running?.shutdown();
});

async function recordRealUse(): Promise<void> {
  const image = await goodImage();
  const photo = await sharp({ create: { width: 96, height: 64, channels: 3, background: "#884422" } })
    .jpeg()
    .toBuffer();
  // Service routes.
  for (const route of ["/livez", "/readyz", "/v1/presets", "/v1/system", "/metrics", "/"])
    await api("service", route, route);

  // A job from submission to its video, its status recorded while queued, running and after.
  const created = await api("submit", "/v1/jobs", "/v1/jobs", {
    method: "POST",
    body: form(image, { ...TINY, client_id: "contract-1", prompt: "pan left" }),
  });
  expect(created.status).toBe(202);
  const id = created.json().id as string;
  await waitFor(id, ["succeeded"]);
  await api("succeeded", "/v1/jobs/{id}", `/v1/jobs/${id}`);
  await api("same client_id", "/v1/jobs", "/v1/jobs", {
    method: "POST",
    body: form(image, { ...TINY, client_id: "contract-1", prompt: "pan left" }),
  });
  await api("conflict", "/v1/jobs", "/v1/jobs", {
    method: "POST",
    body: form(image, { ...TINY, client_id: "contract-1", prompt: "other" }),
  });
  await api("events of a finished job", "/v1/jobs/{id}/events", `/v1/jobs/${id}/events`);
  await api("video", "/v1/jobs/{id}/video", `/v1/jobs/${id}/video`);
  await api("range", "/v1/jobs/{id}/video", `/v1/jobs/${id}/video`, { headers: { range: "bytes=0-99" } });
  await api("bad range", "/v1/jobs/{id}/video", `/v1/jobs/${id}/video`, { headers: { range: "bytes=9-2" } });
  await api("list", "/v1/jobs", "/v1/jobs?limit=5");

  // A job with a webhook: its delivery state is part of the job.
  const receiver = await startReceiver(SECRET, () => 200);
  try {
    const hooked = await api("with webhook", "/v1/jobs", "/v1/jobs", {
      method: "POST",
      body: form(image, { ...TINY, webhook: `${receiver.url}/hook`, webhook_events: "started,completed" }),
    });
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      const j = (await api("webhook state", "/v1/jobs/{id}", `/v1/jobs/${hooked.json().id}`)).json();
      if (j.webhook.delivered === 2) break;
    }
    expect(receiver.calls.map((c) => c.verifyError)).toEqual([undefined, undefined]);
    // Each webhook body is a Job too.
    for (const call of receiver.calls)
      records.push({ ...records.at(-1), label: "webhook body", body: call.body } as Recorded);
  } finally {
    await receiver.close();
  }
  await api("webhook refused", "/v1/jobs", "/v1/jobs", {
    method: "POST",
    body: form(image, { ...TINY, webhook: "https://169.254.169.254/latest/meta-data/" }),
  });

  // A running job followed live, a queued one behind it, a full queue, and both canceled.
  const slow = (
    await api("slow", "/v1/jobs", "/v1/jobs", { method: "POST", body: form(photo, SLOW) })
  ).json();
  expect(slow.id, JSON.stringify(slow)).toBeTypeOf("string");
  const live = api("events while running", "/v1/jobs/{id}/events", `/v1/jobs/${slow.id}/events`);
  await waitFor(slow.id, ["running"]);
  const queued = (
    await api("queued", "/v1/jobs", "/v1/jobs", { method: "POST", body: form(image, SLOW) })
  ).json();
  await api("queued status", "/v1/jobs/{id}", `/v1/jobs/${queued.id}`);
  await api("queue full", "/v1/jobs", "/v1/jobs", { method: "POST", body: form(image, TINY) });
  await api("cancel queued", "/v1/jobs/{id}/cancel", `/v1/jobs/${queued.id}/cancel`, { method: "POST" });
  await api("cancel running", "/v1/jobs/{id}/cancel", `/v1/jobs/${slow.id}/cancel`, { method: "POST" });
  await live;
  await waitFor(slow.id, ["canceled"]);
  await api("video not ready", "/v1/jobs/{id}/video", `/v1/jobs/${slow.id}/video`);

  // Every refusal a client can cause.
  const post = (label: string, body: FormData | string, headers?: Record<string, string>) =>
    api(label, "/v1/jobs", "/v1/jobs", { method: "POST", body, ...(headers ? { headers } : {}) });
  await post("invalid_parameters", form(image, { num_frames: 1000 }));
  await post("invalid_request", "plain", { "content-type": "text/plain" });
  await post("invalid_image (truncated JPEG)", form(photo.subarray(0, photo.length >> 1)));
  await post(
    "image_too_large",
    form((await import("../reliability/inputs.ts").then((m) => m.badImages())).bombHeader),
  );
  records.push(await oversizedUpload());
  await post("insufficient_memory", form(image, { preset: "max", resolution: 1280, num_frames: 64 }));
  await api("unknown job", "/v1/jobs/{id}", `/v1/jobs/${ZERO_ID}`);
  await api("cancel unknown", "/v1/jobs/{id}/cancel", `/v1/jobs/${ZERO_ID}/cancel`, { method: "POST" });
  await api("events unknown", "/v1/jobs/{id}/events", `/v1/jobs/${ZERO_ID}/events`);
  await api("video unknown", "/v1/jobs/{id}/video", `/v1/jobs/${ZERO_ID}/video`);
  for (const token of [null, "wrong-token-0123456789"])
    for (const route of ["/v1/jobs", "/v1/presets", "/v1/system", "/readyz", "/metrics", "/openapi.json"])
      await api("unauthorized", route, route, { token });

  // The app whose model is loading: readiness 503, submissions refused, then the rate limit.
  await call(loading.url, "loading", "/readyz", "/readyz");
  await call(loading.url, "model_not_ready", "/v1/jobs", "/v1/jobs", {
    method: "POST",
    body: form(image, TINY),
  });
  for (let i = 0; i < 4; i++) await call(loading.url, "rate limit", "/v1/system", "/v1/system");

  // Draining: submissions are refused with shutting_down.
  await running.service.jobs.drain(0);
  await post("shutting_down", form(image, TINY));
}

describe("the API contract (real answers over a socket against /openapi.json)", () => {
  test("the served document is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  test("every recorded answer follows the document: declared status, media type and body schema", () => {
    const { check } = contractChecker(document);
    expect(records.flatMap(check)).toEqual([]);
    expect(records.length).toBeGreaterThan(60);
  });

  test("real use covered every operation of the document and every error a client can cause", () => {
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const operations = Object.entries(paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const seen = new Set(records.map((r) => `${r.method} ${r.template}`));
    expect(operations.filter((o) => !seen.has(o))).toEqual([]);
    const codes = new Set(
      records
        .filter((r) => r.status >= 400 && r.body.startsWith("{"))
        .map((r) => JSON.parse(r.body).error?.code),
    );
    const causable = Object.keys(ERROR_CODES).filter(
      (c) =>
        ERROR_CODES[c as keyof typeof ERROR_CODES].status < 500 ||
        ["model_not_ready", "shutting_down"].includes(c),
    );
    // Job outcomes (canceled, deadline_exceeded) are errors on the job, not answers; the job record shows canceled.
    const notAnswers = ["canceled"];
    expect(causable.filter((c) => !codes.has(c) && !notAnswers.includes(c))).toEqual([]);
    expect(records.some((r) => r.body.includes('"code":"canceled"'))).toBe(true);
  });

  test("every route of the app is in the document, and every path of the document is a route", () => {
    const routes = new Set(
      running.app.routes
        .filter((r) => r.method !== "ALL" && !r.path.endsWith("*"))
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1")}`),
    );
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const documented = new Set(
      Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    expect([...routes].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((d) => !routes.has(d))).toEqual([]);
  });

  test("an unknown route's 404 is the error envelope", () => {
    const { checkComponent } = contractChecker(document);
    expect(
      checkComponent(
        "Error",
        JSON.stringify({ error: { code: "not_found", message: "x", hint: "y" } }),
        "404",
      ),
    ).toEqual([]);
  });

  test("a property the schema does not declare fails, at the top and nested", () => {
    const { check } = contractChecker(document);
    const job = records.find((r) => r.label === "succeeded");
    if (!job) throw new Error("no succeeded job recorded");
    const body = JSON.parse(job.body);
    expect(check(job)).toEqual([]);
    expect(check({ ...job, body: JSON.stringify({ ...body, extra: 1 }) }).join()).toContain(
      '"additionalProperty":"extra"',
    );
    const nested = { ...body, result: { ...body.result, bitrate: 1 } };
    expect(check({ ...job, body: JSON.stringify(nested) }).join()).toContain(
      '/result must NOT have additional properties {"additionalProperty":"bitrate"}',
    );
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== "object") return;
      const n = node as Record<string, unknown>;
      if (n.type === "object" && n.properties && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    for (const [name, schema] of Object.entries(schemas))
      if (name !== "GenerateParameters") walk(schema, name);
    expect(open).toEqual([]);
  });
});
