import { afterEach, describe, expect, it } from "vitest";
import { type ProbeTarget, probeTargets } from "../src/probe/probe.ts";
import { rankResults, selectMirror } from "../src/probe/rank.ts";
import { USER_AGENT } from "../src/probe/user-agent.ts";
import { type LoopbackMirror, type MirrorBehaviour, startLoopbackMirror } from "./support/loopback-mirror.ts";

const started: LoopbackMirror[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

async function fleet(
  spec: Record<string, MirrorBehaviour>,
): Promise<{ targets: ProbeTarget[]; servers: Record<string, LoopbackMirror> }> {
  const servers: Record<string, LoopbackMirror> = {};
  for (const [name, behaviour] of Object.entries(spec)) {
    servers[name] = await startLoopbackMirror(behaviour);
    started.push(servers[name]);
  }
  const targets = Object.entries(servers).map(([mirror, s]) => ({
    mirror,
    ecosystem: "npm" as const,
    url: `${s.url}pkg.tgz`,
  }));
  return { targets, servers };
}

describe("probeTargets", () => {
  it("ranks by measured throughput and never picks a failed mirror, within the deadline", async () => {
    const { targets } = await fleet({
      slow: { bytesPerSec: 300_000 },
      fast: { bytesPerSec: 8_000_000, latencyMs: 20 },
      medium: { bytesPerSec: 2_000_000 },
      // A 404 answers fastest of all: it must still lose (chsrc ranked such pages).
      missing: { fault: "status", status: 404 },
      broken: { fault: "status", status: 503 },
      hang: { fault: "hang" },
      reset: { fault: "reset", bytesPerSec: 4_000_000 },
    });
    const t0 = performance.now();
    const results = await probeTargets(targets, { deadlineMs: 1500, rangeBytes: 256 * 1024 });
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(1500 + 400);
    const ranked = rankResults(results);
    expect(ranked.slice(0, 3).map((r) => r.mirror)).toEqual(["fast", "medium", "slow"]);
    const failed = Object.fromEntries(results.filter((r) => !r.ok).map((r) => [r.mirror, r.error]));
    expect(Object.keys(failed).sort()).toEqual(["broken", "hang", "missing", "reset"]);
    expect(failed.missing).toBe("HTTP 404");
    expect(failed.broken).toBe("HTTP 503");
    expect(failed.hang).toMatch(/deadline/);
    expect(selectMirror(results, "npm")?.mirror).toBe("fast");
    const fast = results.find((r) => r.mirror === "fast");
    expect(fast?.bytes).toBe(256 * 1024);
    expect(fast?.latencyMs).toBeGreaterThanOrEqual(15);
  });

  it("ends at the deadline even when every mirror hangs, and then selects nothing", async () => {
    const { targets } = await fleet({ a: { fault: "hang" }, b: { fault: "hang" } });
    const t0 = performance.now();
    const results = await probeTargets(targets, { deadlineMs: 600 });
    expect(performance.now() - t0).toBeLessThan(900);
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(selectMirror(results, "npm")).toBeUndefined();
  });

  it("scores a body the deadline cut short from the bytes that arrived", async () => {
    const { targets } = await fleet({ trickle: { bytesPerSec: 100_000 } });
    const [result] = await probeTargets(targets, { deadlineMs: 500, rangeBytes: 1024 * 1024 });
    expect(result?.ok).toBe(true);
    expect(result?.partial).toBe(true);
    expect(result?.bytes).toBeGreaterThan(10_000);
    expect(result?.throughputBps).toBeLessThan(200_000);
  });

  it("sends a bounded Range and an honest User-Agent, and stops reading servers that ignore Range", async () => {
    const { targets, servers } = await fleet({ whole: { fault: "ignore-range", size: 2 * 1024 * 1024 } });
    const [result] = await probeTargets(targets, { rangeBytes: 64 * 1024 });
    expect(result?.status).toBe(200);
    expect(result?.bytes).toBeLessThan(2 * 1024 * 1024);
    const headers = servers.whole?.requests[0]?.headers;
    expect(headers?.range).toBe(`bytes=0-${64 * 1024 - 1}`);
    expect(headers?.["user-agent"]).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^i2v-deploy-mirrors\//);
  });

  it("keeps at most the per-host cap of requests in flight to one mirror", async () => {
    const server = await startLoopbackMirror({ latencyMs: 100, size: 1024 });
    started.push(server);
    const targets = Array.from({ length: 6 }, (_, i) => ({
      mirror: `m${i}`,
      ecosystem: "pypi" as const,
      url: `${server.url}obj${i}`,
    }));
    const results = await probeTargets(targets, { perHostConcurrency: 2, deadlineMs: 3000 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(server.requests).toHaveLength(6);
    expect(server.maxConcurrent).toBe(2);
  });
});
