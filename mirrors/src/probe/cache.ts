import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileDurable } from "../../../runtime/src/util/durable-write.ts";
import type { ProbeResult, ProbeTarget } from "./probe.ts";

/** Where probe results are kept between runs unless told otherwise. */
export const DEFAULT_CACHE_FILE = ".cache/mirrors-probe.json";
/** Healthy results stay valid this long (6 h): mirror speed from one network changes slowly. */
export const DEFAULT_CACHE_TTL_MS = 6 * 60 * 60 * 1000;

interface CacheEntry {
  at: number;
  rangeBytes: number;
  result: ProbeResult;
}

/** Probe results on disk with a time to live, so repeated builds do not re-measure every mirror. */
export class ProbeCache {
  private constructor(
    private readonly file: string,
    private readonly ttlMs: number,
    private readonly entries: Record<string, CacheEntry>,
    private readonly now: () => number,
  ) {}

  /** Opens the cache file; a missing or unreadable file is an empty cache, not an error. */
  static async open(
    file = DEFAULT_CACHE_FILE,
    ttlMs = DEFAULT_CACHE_TTL_MS,
    now = Date.now,
  ): Promise<ProbeCache> {
    let entries: Record<string, CacheEntry> = {};
    try {
      const parsed = JSON.parse(await readFile(file, "utf8")) as { entries?: Record<string, CacheEntry> };
      entries = parsed.entries ?? {};
    } catch {
      entries = {};
    }
    return new ProbeCache(file, ttlMs, entries, now);
  }

  /** A still-fresh result for this target, marked `cached`. Failures expire ten times sooner. */
  get(target: ProbeTarget, rangeBytes: number): ProbeResult | undefined {
    const entry = this.entries[target.url];
    if (!entry || entry.rangeBytes !== rangeBytes) return undefined;
    // A mirror that was down a minute ago may be back; re-check failures sooner than successes.
    const ttl = entry.result.ok ? this.ttlMs : this.ttlMs / 10;
    if (this.now() - entry.at > ttl) return undefined;
    return { ...entry.result, mirror: target.mirror, ecosystem: target.ecosystem, cached: true };
  }

  /** Records fresh results (cached ones are left with their original time). */
  put(results: readonly ProbeResult[], rangeBytes: number): void {
    for (const result of results) {
      if (result.cached) continue;
      this.entries[result.url] = { at: this.now(), rangeBytes, result };
    }
  }

  /** Writes the file durably (temp file, fsync, rename) so a crash never leaves half a cache. */
  async save(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFileDurable(this.file, `${JSON.stringify({ version: 1, entries: this.entries }, null, 2)}\n`);
  }
}
