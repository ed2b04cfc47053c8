import type { Catalog, Ecosystem } from "../catalog/schema.ts";
import { type DetectOptions, detectUpstream, type Upstream } from "../upstream/detect.ts";
import { DEFAULT_CACHE_FILE, DEFAULT_CACHE_TTL_MS, ProbeCache } from "./cache.ts";
import type { ProbeOptions, ProbeResult } from "./probe.ts";
import { probeCatalog } from "./probe-catalog.ts";
import { autoChoice, nothingAnswered } from "./rank.ts";

export interface SelectOptions extends ProbeOptions {
  catalog: Catalog;
  ecosystems: readonly Ecosystem[];
  /** Probe the detected upstream beside the mirrors (default true). */
  includeUpstream?: boolean;
  /** Cache file; `false` measures afresh and stores nothing (default `.cache/mirrors-probe.json`). */
  cacheFile?: string | false;
  cacheTtlMs?: number;
  /** Passed to upstream detection (apt target, apt sources of a base image). */
  detect?: DetectOptions;
}

export interface Selection {
  /** Per ecosystem, the chosen mirror name (`upstream` when nothing healthy answered). */
  choices: Partial<Record<Ecosystem, string>>;
  /** Ecosystems where nothing answered: their `upstream` choice is the default, not a measurement. */
  nothingAnswered: Ecosystem[];
  results: ProbeResult[];
  upstream: Partial<Record<Ecosystem, Upstream>>;
}

/**
 * What `--mirror auto` does: detect upstream, probe the catalog and upstream (reusing fresh cached
 * results), and choose the fastest healthy mirror per ecosystem. The image bake calls this, then
 * `renderMirrorConfig({ mirror: selection.choices, ... })`.
 */
export async function selectMirrors(options: SelectOptions): Promise<Selection> {
  const upstream: Partial<Record<Ecosystem, Upstream>> = {};
  if (options.includeUpstream ?? true) {
    await Promise.all(
      options.ecosystems.map(async (eco) => {
        upstream[eco] = await detectUpstream(eco, options.detect);
      }),
    );
  }
  const cacheFile = options.cacheFile ?? DEFAULT_CACHE_FILE;
  const cache =
    cacheFile === false
      ? undefined
      : await ProbeCache.open(cacheFile, options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS);
  const results = await probeCatalog(options.catalog, { ...options, upstream, ...(cache ? { cache } : {}) });
  await cache?.save();
  return {
    choices: autoChoice(results, options.ecosystems),
    nothingAnswered: nothingAnswered(results, options.ecosystems),
    results,
    upstream,
  };
}
