import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { failoverOrder } from "../src/probe/rank.ts";
import { selectMirrors } from "../src/probe/select.ts";
import { catalogWith } from "./support/catalog.ts";
import { type LoopbackMirror, startLoopbackMirror } from "./support/loopback-mirror.ts";

const started: LoopbackMirror[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

describe("selectMirrors (what --mirror auto does)", () => {
  it("probes an injected catalog, picks the fastest healthy mirror per ecosystem, and reuses the cache", async () => {
    const [fast, slow, broken, pypiOnly] = await Promise.all([
      startLoopbackMirror({ bytesPerSec: 6_000_000 }),
      startLoopbackMirror({ bytesPerSec: 600_000 }),
      startLoopbackMirror({ fault: "status", status: 500 }),
      startLoopbackMirror({ bytesPerSec: 1_000_000 }),
    ]);
    started.push(
      fast as LoopbackMirror,
      slow as LoopbackMirror,
      broken as LoopbackMirror,
      pypiOnly as LoopbackMirror,
    );
    const catalog = await catalogWith({
      fast: { npm: { url: `${fast?.url}npm/` } },
      slow: { npm: { url: `${slow?.url}npm/` }, pypi: { url: `${slow?.url}simple` } },
      broken: { npm: { url: `${broken?.url}npm/` }, pypi: { url: `${broken?.url}simple` } },
      other: { pypi: { url: `${pypiOnly?.url}simple` } },
    });
    const cacheFile = path.join(await mkdtemp(path.join(tmpdir(), "select-")), "probe.json");
    const options = {
      catalog,
      ecosystems: ["npm", "pypi", "conda"] as const,
      includeUpstream: false,
      cacheFile,
      rangeBytes: 128 * 1024,
      deadlineMs: 2000,
    };
    const first = await selectMirrors({ ...options, ecosystems: [...options.ecosystems] });
    expect(first.choices).toEqual({ npm: "fast", pypi: "other", conda: "upstream" });
    expect(first.results.find((r) => r.mirror === "fast")?.url).toMatch(
      /\/npm\/@tensorflow\/tfjs\/-\/tfjs-4\.22\.0\.tgz$/,
    );
    expect(failoverOrder(first.results, "npm")).toEqual(["fast", "slow", "upstream"]);

    const hits = fast?.requests.length;
    const again = await selectMirrors({ ...options, ecosystems: [...options.ecosystems] });
    expect(again.choices).toEqual(first.choices);
    expect(again.results.every((r) => r.cached)).toBe(true);
    expect(fast?.requests.length).toBe(hits);
  });
});
