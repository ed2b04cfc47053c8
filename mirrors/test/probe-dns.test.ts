import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync } from "node:fs";
import { mkdtemp, open, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type ProbeTarget, probeTargets } from "../src/probe/probe.ts";
import { rankResults } from "../src/probe/rank.ts";
import { selectMirrors } from "../src/probe/select.ts";
import { catalogWith } from "./support/catalog.ts";
import { type LoopbackDns, startLoopbackDns } from "./support/loopback-dns.ts";
import { type LoopbackMirror, startLoopbackMirror } from "./support/loopback-mirror.ts";

// The probe's names go through a real name server on loopback that answers some names, leaves
// others unanswered forever (as one that drops queries does) and says NXDOMAIN for the rest.
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function mirror(behaviour: Parameters<typeof startLoopbackMirror>[0]): Promise<LoopbackMirror> {
  const m = await startLoopbackMirror(behaviour);
  cleanup.push(() => m.close());
  return m;
}

async function dns(zone: Parameters<typeof startLoopbackDns>[0]): Promise<LoopbackDns> {
  const server = await startLoopbackDns(zone);
  cleanup.push(() => server.close());
  return server;
}

/** `http://127.0.0.1:PORT/` -> `http://NAME:PORT/pkg.tgz` */
const named = (m: LoopbackMirror, name: string) => `${m.url.replace("127.0.0.1", name)}pkg.tgz`;

/**
 * Holds every thread of libuv's pool in open(2) on a FIFO nobody writes: what getaddrinfo lookups
 * of silent names do to `fetch`'s default resolver. Released by opening the FIFOs for writing.
 */
async function occupyThreadPool(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(path.join(tmpdir(), "pool-"));
  const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifos = Array.from({ length: size }, (_, i) => path.join(dir, `f${i}`));
  execFileSync("mkfifo", fifos);
  const blocked = fifos.map((f) => open(f, "r").then((h) => h.close()));
  await new Promise((r) => setTimeout(r, 50));
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    for (const f of fifos) closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    await Promise.all(blocked);
  };
}

describe("the probe's name resolution", () => {
  it("gives reachable mirrors their true result and rank while dozens of names never answer", async () => {
    const [fast, medium, slow] = await Promise.all([
      mirror({ bytesPerSec: 8_000_000, latencyMs: 10 }),
      mirror({ bytesPerSec: 2_000_000 }),
      mirror({ bytesPerSec: 300_000 }),
    ]);
    const good = {
      "fast.mirror.test": "127.0.0.1",
      "medium.mirror.test": "127.0.0.1",
      "slow.mirror.test": "127.0.0.1",
    };
    const server = await dns({ a: good, silent: (name) => name.startsWith("stall-") });
    const any = fast as LoopbackMirror;
    // Catalog order: the stalled hosts first and the reachable ones last, as upstream is.
    const targets: ProbeTarget[] = [
      ...Array.from({ length: 60 }, (_, i) => ({
        mirror: `stall-${i % 30}`,
        ecosystem: "npm" as const,
        url: named(any, `stall-${i % 30}.mirror.test`),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        mirror: `gone-${i}`,
        ecosystem: "npm" as const,
        url: named(any, `gone-${i}.mirror.test`),
      })),
      { mirror: "slow", ecosystem: "npm", url: named(slow as LoopbackMirror, "slow.mirror.test") },
      { mirror: "medium", ecosystem: "npm", url: named(medium as LoopbackMirror, "medium.mirror.test") },
      { mirror: "fast", ecosystem: "npm", url: named(any, "fast.mirror.test") },
      { mirror: "fast-again", ecosystem: "pypi", url: named(any, "fast.mirror.test") },
    ];
    // And with libuv's thread pool taken: the probe must not need it to resolve or connect.
    const release = await occupyThreadPool();
    cleanup.push(release);
    const t0 = performance.now();
    const results = await probeTargets(targets, {
      dnsServers: [server.server],
      deadlineMs: 2500,
      rangeBytes: 128 * 1024,
    });
    const elapsed = performance.now() - t0;
    await release();

    expect(elapsed).toBeLessThan(2500 + 500);
    const byName = Object.fromEntries(results.map((r) => [r.mirror, r]));
    for (const name of ["fast", "medium", "slow", "fast-again"]) expect(byName[name]?.ok, name).toBe(true);
    expect(
      rankResults(results.filter((r) => r.ecosystem === "npm"))
        .slice(0, 3)
        .map((r) => r.mirror),
    ).toEqual(["fast", "medium", "slow"]);
    expect(byName["stall-7"]?.error).toMatch(
      /^name lookup of stall-7\.mirror\.test: (no answer|the name server did not answer)/,
    );
    expect(byName["gone-3"]?.error).toBe("name lookup of gone-3.mirror.test: not found (ENOTFOUND)");
    // One lookup per host, not one per target: fast.mirror.test served two targets.
    expect(server.queries.filter((q) => q.name === "fast.mirror.test" && q.type === "A")).toHaveLength(1);
  });

  it("says when nothing answered, picks upstream explicitly, and caches nothing", async () => {
    const m = await mirror({ bytesPerSec: 4_000_000 });
    let down = true;
    const server = await dns({ a: { "one.mirror.test": "127.0.0.1" }, silent: () => down });
    const catalog = await catalogWith({
      one: { npm: { url: `${m.url.replace("127.0.0.1", "one.mirror.test")}npm/` } },
      two: { npm: { url: `${m.url.replace("127.0.0.1", "two.mirror.test")}npm/` } },
    });
    const cacheFile = path.join(await mkdtemp(path.join(tmpdir(), "select-dns-")), "probe.json");
    const options = {
      catalog,
      ecosystems: ["npm" as const],
      includeUpstream: false,
      cacheFile,
      dnsServers: [server.server],
      deadlineMs: 1200,
      rangeBytes: 64 * 1024,
    };
    const offline = await selectMirrors(options);
    expect(offline.results.every((r) => !r.ok)).toBe(true);
    expect(offline.choices).toEqual({ npm: "upstream" });
    expect(offline.nothingAnswered).toEqual(["npm"]);
    const stored = await readFile(cacheFile, "utf8").then((t) => JSON.parse(t) as { entries: object });
    expect(stored.entries).toEqual({});

    // The network is back: the next run measures again instead of replaying the failures.
    down = false;
    const online = await selectMirrors(options);
    expect(online.results.some((r) => r.cached)).toBe(false);
    expect(online.choices).toEqual({ npm: "one" });
    expect(online.nothingAnswered).toEqual([]);
  });
});
