import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startService, type TestService, waitReady } from "../../../test/support/service.ts";
import { form, TINY, waitForJob } from "../server/helpers.ts";
import { goodImage } from "./inputs.ts";
import { type ErrorBody, recordFigures } from "./support.ts";

/** With I2V_TOKEN set, against the real process: every API route needs it, and it is never logged. */
const TOKEN = "s3cret-token-0123456789abcdef";
const WRONG = "s3cret-token-0123456789abcdeX";
const ZERO_ID = "00000000-0000-0000-0000-000000000000";

let service: TestService;
let jobId: string;
const tried = { routes: 0, requests: 0 };

const call = (p: string, init: RequestInit & { token?: string } = {}) => {
  const { token, ...rest } = init;
  tried.requests += 1;
  return fetch(`${service.url}${p}`, {
    ...rest,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(rest.headers as object) },
  });
};

beforeAll(async () => {
  service = await startService({ env: { I2V_TOKEN: TOKEN, I2V_LOG_LEVEL: "trace" }, waitReady: false });
  await waitReady(service, 120_000, TOKEN);
  const created = await call("/v1/jobs", {
    method: "POST",
    body: form(await goodImage(), TINY),
    token: TOKEN,
  });
  expect(created.status).toBe(202);
  jobId = ((await created.json()) as { id: string }).id;
  const done = await waitForJob((p) => call(p, { token: TOKEN }), jobId, 120_000);
  expect(done.status).toBe("succeeded");
}, 180_000);
afterAll(async () => {
  recordFigures("auth", tried);
  await service?.stop();
});

describe("auth with I2V_TOKEN (real process)", () => {
  const routes = (): Array<[string, string]> => [
    ["GET", "/v1/jobs"],
    ["POST", "/v1/jobs"],
    ["GET", `/v1/jobs/${jobId}`],
    ["GET", `/v1/jobs/${jobId}/events`],
    ["GET", `/v1/jobs/${jobId}/video`],
    ["POST", `/v1/jobs/${ZERO_ID}/cancel`],
    ["GET", `/v1/jobs/${ZERO_ID}`],
    ["GET", "/v1/presets"],
    ["GET", "/v1/system"],
    ["GET", "/v1/nope"],
    ["GET", "/metrics"],
    ["GET", "/readyz"],
    ["GET", "/openapi.json"],
  ];

  test("every API route answers 401 unauthorized without a token or with a wrong one", async () => {
    for (const [method, route] of routes()) {
      tried.routes += 1;
      for (const headers of [
        {},
        { authorization: `Bearer ${WRONG}` },
        { authorization: `Basic ${TOKEN}` },
        { authorization: TOKEN },
      ]) {
        const response = await call(route, { method, headers });
        const body = (await response.json()) as ErrorBody;
        expect({ route, status: response.status, code: body.error.code }).toEqual({
          route,
          status: 401,
          code: "unauthorized",
        });
        expect(response.headers.get("www-authenticate")).toBe('Bearer realm="i2v"');
      }
      const wrongQuery = await call(`${route}?access_token=${WRONG}`, { method });
      expect(wrongQuery.status).toBe(401);
      expect(wrongQuery.headers.get("www-authenticate")).toBe('Bearer realm="i2v"');
      await wrongQuery.body?.cancel();
    }
  });

  test("the right token passes on every API route; /livez and the page need none", async () => {
    for (const [method, route] of routes()) {
      const response = await call(route, {
        method,
        token: TOKEN,
        ...(method === "POST" && route === "/v1/jobs"
          ? { body: "{}", headers: { "content-type": "application/json" } }
          : {}),
      });
      expect({ route, status: response.status }).not.toEqual({ route, status: 401 });
      await response.body?.cancel();
    }
    expect((await call("/livez")).status).toBe(200);
    expect((await call("/")).status).toBe(200);
  });

  test("?access_token= works where a browser cannot send headers: events and video", async () => {
    const video = await call(`/v1/jobs/${jobId}/video?access_token=${encodeURIComponent(TOKEN)}`);
    expect(video.status).toBe(200);
    expect(video.headers.get("content-type")).toBe("video/mp4");
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(100);
    const events = await call(`/v1/jobs/${jobId}/events?access_token=${encodeURIComponent(TOKEN)}`);
    expect(events.status).toBe(200);
    expect(await events.text()).toMatch(/event: succeeded/);
  });

  test("the token never appears in the service's output or in jobs.log", async () => {
    // Give the logger a chance to flush the last lines.
    await new Promise((r) => setTimeout(r, 500));
    const output = service.output();
    const jobsLog = await readFile(path.join(service.dataDir, "jobs.log"), "utf8");
    expect(output.length).toBeGreaterThan(100);
    expect(jobsLog).toContain(jobId);
    for (const text of [output, jobsLog]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(TOKEN.slice(0, 12));
    }
  });
});
