import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import type { I2vError } from "../../src/errors.ts";
import { MAX_TRACKED_CLIENTS, rateLimit } from "../../src/server/rate-limit.ts";

/** The token bucket on a clock the test moves: burst, refill rate, Retry-After, per-client keys. */
function appWithClock(perMinute: number) {
  let now = 1_000_000;
  const app = new Hono();
  app.onError((error, c) => {
    const retry = (error as I2vError).details?.retry_after_s;
    return c.json({ code: (error as I2vError).code, retry }, 429);
  });
  app.use(
    "*",
    rateLimit(perMinute, () => now),
  );
  app.get("/v1/x", (c) => c.text("ok"));
  app.get("/livez", (c) => c.text("ok"));
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
  return {
    get: async (path: string, address = "10.0.0.1") => (await app.request(path, {}, from(address))).status,
    retryAfter: async () =>
      ((await (await app.request("/v1/x", {}, from("10.0.0.1"))).json()) as { retry: number }).retry,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("rate limit (token bucket)", () => {
  test("a burst of the limit passes, then refills at limit/60 per second", async () => {
    const clock = appWithClock(60);
    for (let i = 0; i < 60; i++) expect(await clock.get("/v1/x")).toBe(200);
    expect(await clock.get("/v1/x")).toBe(429);
    expect(await clock.retryAfter()).toBe(1);
    clock.advance(1000);
    expect(await clock.get("/v1/x")).toBe(200);
    expect(await clock.get("/v1/x")).toBe(429);
    clock.advance(10_000);
    for (let i = 0; i < 10; i++) expect(await clock.get("/v1/x")).toBe(200);
    expect(await clock.get("/v1/x")).toBe(429);
  });

  test("clients are counted apart, health checks are not counted, and 0 turns it off", async () => {
    const clock = appWithClock(2);
    expect([await clock.get("/v1/x"), await clock.get("/v1/x"), await clock.get("/v1/x")]).toEqual([
      200, 200, 429,
    ]);
    expect(await clock.get("/v1/x", "10.0.0.2")).toBe(200);
    expect(await clock.get("/livez")).toBe(200);
    // Slow limits say how long a token takes: 2 a minute is one every 30 s.
    expect(await clock.retryAfter()).toBe(30);
    const off = appWithClock(0);
    for (let i = 0; i < 100; i++) expect(await off.get("/v1/x")).toBe(200);
  });
});

describe("rate limit under many addresses", () => {
  test("12,000 one-off addresses pass while a limited client that keeps coming stays limited", async () => {
    const clock = appWithClock(5);
    for (let i = 0; i < 5; i++) await clock.get("/v1/x", "10.9.9.9");
    expect(await clock.get("/v1/x", "10.9.9.9")).toBe(429);
    for (let i = 0; i < MAX_TRACKED_CLIENTS * 1.2; i++) {
      await clock.get("/v1/x", `fd00::${i.toString(16)}`);
      // The busy client is seen now and then, so it is never the least recently seen.
      if (i % 1000 === 0) expect(await clock.get("/v1/x", "10.9.9.9")).toBe(429);
    }
    expect(await clock.get("/v1/x", "10.9.9.9")).toBe(429);
  }, 60_000);
});
