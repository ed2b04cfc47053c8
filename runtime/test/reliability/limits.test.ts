import { mkdtempSync } from "node:fs";
import type { AddressInfo } from "node:net";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { serve } from "@hono/node-server";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { openSingleBox } from "../../src/roles/single-box.ts";
import { createApp } from "../../src/server/app.ts";
import { MAX_MULTIPART_PARTS } from "../../src/server/job-request.ts";
import { Service } from "../../src/server/service.ts";
import type { RunningService } from "../../src/server/start.ts";
import { form, inProcessService, TINY } from "../server/helpers.ts";
import { badImages, goodImage } from "./inputs.ts";
import { type ErrorBody, recordFigures } from "./support.ts";

let running: RunningService;
let good: Buffer;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  running = await inProcessService({
    I2V_HEADERS_TIMEOUT_S: "2",
    I2V_REQUEST_TIMEOUT_S: "4",
  });
  good = await goodImage();
}, 120_000);
afterAll(async () => {
  recordFigures("limits", figures);
  await running?.shutdown();
});

/** Opens a raw socket, writes `head`, then `drip` every 500 ms; resolves when the server closes it. */
function slowClient(head: string, drip: string): Promise<{ closedAfterMs: number; received: string }> {
  const { port } = new URL(running.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = "";
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(head));
    const timer = setInterval(() => socket.writable && socket.write(drip), 500);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error("the server kept a slow client's connection open for 30 s"));
    }, 30_000);
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - started, received });
    });
  });
}

describe("slow clients", () => {
  test("headers sent a byte at a time: the connection is closed after the headers timeout", async () => {
    const slow = slowClient("POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "a");
    // Others are served meanwhile.
    expect((await fetch(`${running.url}/livez`)).status).toBe(200);
    const { closedAfterMs, received } = await slow;
    expect(closedAfterMs).toBeGreaterThanOrEqual(1500);
    expect(received).toMatch(/^HTTP\/1.1 408|^$/);
    figures.slow_headers_closed_after_ms = closedAfterMs;
  }, 60_000);

  test("a body sent a few bytes at a time: the connection is closed after the request timeout", async () => {
    const head =
      "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n" +
      "Content-Length: 100000\r\n\r\n--b\r\n";
    const { closedAfterMs } = await slowClient(head, "xxxx");
    expect(closedAfterMs).toBeGreaterThanOrEqual(3500);
    figures.slow_body_closed_after_ms = closedAfterMs;
    expect((await fetch(`${running.url}/livez`)).status).toBe(200);
  }, 60_000);
});

describe("input limits", () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    running.app.request("/v1/jobs", { method: "POST", body, headers });

  test(`a multipart body with more than ${MAX_MULTIPART_PARTS} parts is refused before parsing`, async () => {
    const parts = Array.from(
      { length: 50_000 },
      (_, i) => `--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n1\r\n`,
    );
    const body = `${parts.join("")}--b--\r\n`;
    const started = performance.now();
    const response = await post(body, { "content-type": "multipart/form-data; boundary=b" });
    figures.many_parts_refused_ms = Math.round(performance.now() - started);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error).toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/more than 32 fields/),
    });
    // The API's own fields all fit.
    const ok = await post(form(good, { ...TINY, prompt: "pan left", seed: 1, guidance_scale: 7 }));
    expect(ok.status).toBe(202);
  });

  test("animated WebP, decompression-bomb headers and truncated images are refused with invalid_image or image_too_large", async () => {
    const bad = await badImages();
    const expected: Record<string, [number, string]> = {
      animatedWebp: [400, "invalid_image"],
      bombHeader: [413, "image_too_large"],
      truncatedPng: [400, "invalid_image"],
      tiff: [400, "invalid_image"],
      svg: [400, "invalid_image"],
      tooSmall: [400, "invalid_image"],
    };
    for (const [name, [status, code]] of Object.entries(expected)) {
      const response = await post(form(bad[name] as Uint8Array, TINY));
      const { error } = (await response.json()) as ErrorBody;
      expect({ name, status: response.status, code: error.code }).toEqual({ name, status, code });
    }
    const animated = await post(form(bad.animatedWebp as Uint8Array, TINY));
    expect(((await animated.json()) as ErrorBody).error.message).toMatch(/3 frames/);
  });

  test("ids that are not job ids never reach the disk: traversal and odd strings are 404", async () => {
    for (const id of ["..%2F..%2Fjobs.log", "..%2Fjobs%2F", "%2e%2e", "jobs.log", "x".repeat(500), "%00"]) {
      for (const tail of ["", "/video", "/events", "/cancel"]) {
        const response = await running.app.request(`/v1/jobs/${id}${tail}`, {
          method: tail === "/cancel" ? "POST" : "GET",
        });
        expect(response.status).toBe(404);
        expect(((await response.json()) as ErrorBody).error.code).toBe("not_found");
      }
    }
  });

  test("a backwards Range on the page over a real socket is served whole, not a 500", async () => {
    const response = await fetch(`${running.url}/`, { headers: { range: "bytes=5-2" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<html");
  });
});

/** The app without a model (routes that need none still answer), for config-only checks. */
async function appWith(env: Record<string, string>) {
  const config = parseServiceConfig({
    I2V_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "i2v-app-")),
    ...env,
  });
  const queue = await openSingleBox(config);
  return createApp(
    new Service(config, { jobs: queue, storage: queue.storage }, pino({ level: "silent" }), "0"),
  );
}

describe("rate limit and CORS", () => {
  test("past I2V_RATE_LIMIT_PER_MIN a client gets 429 rate_limited with Retry-After; others and /livez are not affected", async () => {
    // Over a real socket, so the limit keys on the peer address as in production.
    const app = await appWith({ I2V_RATE_LIMIT_PER_MIN: "30" });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await checkRateLimit(url, app);
    } finally {
      server.close();
    }
  });

  test("CORS is closed by default: no Access-Control-Allow-Origin, on requests or preflights", async () => {
    const origin = "https://elsewhere.example";
    const simple = await running.app.request("/v1/presets", { headers: { origin } });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await running.app.request("/v1/jobs", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("I2V_CORS_ORIGINS opens it for the listed origins only", async () => {
    const app = await appWith({ I2V_CORS_ORIGINS: "https://page.example" });
    const allowed = await app.request("/livez", { headers: { origin: "https://page.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://page.example");
    const other = await app.request("/livez", { headers: { origin: "https://elsewhere.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/** 40 requests from one address against a limit of 30 a minute. */
async function checkRateLimit(url: string, app: Awaited<ReturnType<typeof appWith>>): Promise<void> {
  const statuses: number[] = [];
  let refused: Response | undefined;
  for (let i = 0; i < 40; i++) {
    const response = await fetch(`${url}/v1/system`);
    statuses.push(response.status);
    if (response.status === 429) refused ??= response;
    else await response.body?.cancel();
  }
  figures.rate_limit = {
    limit_per_min: 30,
    sent: 40,
    ok: statuses.filter((s) => s === 200).length,
    refused: statuses.filter((s) => s === 429).length,
  };
  // A burst of exactly the limit passes (a request or two may refill while these run).
  expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
  if (!refused) throw new Error("no request was refused");
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  expect(((await refused.json()) as ErrorBody).error.code).toBe("rate_limited");
  expect((await fetch(`${url}/livez`)).status).toBe(200);
  // Health checks stay open (no model here, so /readyz says 503 loading, not 429).
  expect((await fetch(`${url}/readyz`)).status).toBe(503);
  // Another client (the in-process key here) still has its whole budget.
  expect((await app.request("/v1/system")).status).toBe(200);
}
