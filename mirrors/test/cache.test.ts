import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ProbeCache } from "../src/probe/cache.ts";
import { type ProbeTarget, probeTargets } from "../src/probe/probe.ts";
import { type LoopbackMirror, startLoopbackMirror } from "./support/loopback-mirror.ts";

const started: LoopbackMirror[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

describe("ProbeCache", () => {
  it("serves fresh results from disk, expires them after the TTL, and failures sooner", async () => {
    const up = await startLoopbackMirror({ size: 4096 });
    const down = await startLoopbackMirror({ fault: "status", status: 404 });
    started.push(up, down);
    const targets: ProbeTarget[] = [
      { mirror: "up", ecosystem: "pypi", url: `${up.url}x` },
      { mirror: "down", ecosystem: "pypi", url: `${down.url}x` },
    ];
    const file = path.join(await mkdtemp(path.join(tmpdir(), "probe-cache-")), "probe.json");
    let now = 1_000_000;
    const ttl = 60_000;
    const first = await ProbeCache.open(file, ttl, () => now);
    first.put(await probeTargets(targets, { rangeBytes: 1024 }), 1024);
    await first.save();
    expect(JSON.parse(await readFile(file, "utf8")).version).toBe(1);

    const again = await ProbeCache.open(file, ttl, () => now);
    expect(again.get(targets[0] as ProbeTarget, 1024)).toMatchObject({ ok: true, cached: true });
    expect(again.get(targets[1] as ProbeTarget, 1024)).toMatchObject({ ok: false, cached: true });
    // A different range is a different measurement.
    expect(again.get(targets[0] as ProbeTarget, 2048)).toBeUndefined();

    now += ttl / 5;
    expect(again.get(targets[0] as ProbeTarget, 1024)).toBeDefined();
    expect(again.get(targets[1] as ProbeTarget, 1024)).toBeUndefined();
    now += ttl;
    expect(again.get(targets[0] as ProbeTarget, 1024)).toBeUndefined();
  });

  it("treats a missing or corrupt file as empty", async () => {
    const cache = await ProbeCache.open(path.join(tmpdir(), "does-not-exist", "probe.json"));
    expect(cache.get({ mirror: "a", ecosystem: "npm", url: "http://127.0.0.1:1/" }, 1)).toBeUndefined();
  });
});
