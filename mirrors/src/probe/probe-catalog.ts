import { acceptedStatuses, catalogRows, probeUrl } from "../catalog/query.ts";
import type { Catalog, Ecosystem } from "../catalog/schema.ts";
import type { Upstream } from "../upstream/detect.ts";
import type { ProbeCache } from "./cache.ts";
import {
  DEFAULT_PROBE,
  type ProbeOptions,
  type ProbeResult,
  type ProbeTarget,
  probeTargets,
} from "./probe.ts";

export interface ProbeCatalogOptions extends ProbeOptions {
  ecosystems: readonly Ecosystem[];
  /** Detected upstreams to measure beside the mirrors; ecosystems without one are left out. */
  upstream?: Partial<Record<Ecosystem, Upstream>>;
  /** When given, fresh cached results are reused and new ones stored (the caller saves). */
  cache?: ProbeCache;
}

/** The probe targets for some ecosystems: every catalog entry, plus upstream where it is known. */
export function catalogTargets(
  catalog: Catalog,
  ecosystems: readonly Ecosystem[],
  upstream: Partial<Record<Ecosystem, Upstream>> = {},
): ProbeTarget[] {
  const targets: ProbeTarget[] = catalogRows(catalog, ecosystems).map((row) => ({
    mirror: row.mirror,
    ecosystem: row.ecosystem,
    url: probeUrl(catalog, row.ecosystem, row.entry.url, row.entry),
    accept: acceptedStatuses(catalog, row.ecosystem, row.entry),
  }));
  for (const ecosystem of ecosystems) {
    const up = upstream[ecosystem];
    if (!up?.found) continue;
    const accept = acceptedStatuses(catalog, ecosystem);
    targets.push({ mirror: "upstream", ecosystem, url: probeUrl(catalog, ecosystem, up.url), accept });
  }
  return targets;
}

/** Probes the catalog (and upstream) for some ecosystems, using and filling the cache. */
export async function probeCatalog(catalog: Catalog, options: ProbeCatalogOptions): Promise<ProbeResult[]> {
  const targets = catalogTargets(catalog, options.ecosystems, options.upstream);
  const rangeBytes = options.rangeBytes ?? DEFAULT_PROBE.rangeBytes;
  const cached = targets.map((t) => options.cache?.get(t, rangeBytes));
  const todo = targets.filter((_, i) => !cached[i]);
  const fresh = await probeTargets(todo, options);
  // A run in which nothing answered says more about this machine's network right now (offline,
  // DNS down, a proxy needed) than about the mirrors: keeping it would make `--mirror auto` pick
  // upstream unmeasured for the failures' TTL. Targets never started were not measured at all.
  if (fresh.some((r) => r.ok))
    options.cache?.put(
      fresh.filter((r) => !r.notStarted),
      rangeBytes,
    );
  let next = 0;
  return targets.map((_, i) => cached[i] ?? (fresh[next++] as ProbeResult));
}
