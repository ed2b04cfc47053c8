import type { Ecosystem } from "../catalog/schema.ts";
import type { ProbeResult } from "./probe.ts";

/**
 * Orders results best first: healthy before failed, then higher throughput, then lower latency.
 * Failed results keep their place at the end so reports can show why.
 */
export function rankResults(results: readonly ProbeResult[]): ProbeResult[] {
  return [...results].sort((a, b) => {
    if (a.ok !== b.ok) return a.ok ? -1 : 1;
    if (b.throughputBps !== a.throughputBps) return b.throughputBps - a.throughputBps;
    return (a.latencyMs ?? Number.POSITIVE_INFINITY) - (b.latencyMs ?? Number.POSITIVE_INFINITY);
  });
}

/** The fastest healthy result for an ecosystem, or undefined when none answered properly. */
export function selectMirror(results: readonly ProbeResult[], ecosystem: Ecosystem): ProbeResult | undefined {
  const best = rankResults(results.filter((r) => r.ecosystem === ecosystem))[0];
  return best?.ok ? best : undefined;
}

/**
 * Mirror names for failover in order of preference: healthy ones by rank, then `upstream` last
 * when it was not among them, since the tool's own default is the fallback of last resort.
 */
export function failoverOrder(results: readonly ProbeResult[], ecosystem: Ecosystem): string[] {
  const healthy = rankResults(results.filter((r) => r.ecosystem === ecosystem && r.ok)).map((r) => r.mirror);
  return healthy.includes("upstream") ? healthy : [...healthy, "upstream"];
}

/**
 * Ecosystems for which no target (no mirror, not upstream) answered properly: their choice is
 * `upstream` by default, unmeasured, and a report must say so rather than call it the best.
 */
export function nothingAnswered(
  results: readonly ProbeResult[],
  ecosystems: readonly Ecosystem[],
): Ecosystem[] {
  return ecosystems.filter((eco) => !selectMirror(results, eco));
}

/** Per ecosystem, the selected mirror's name; `upstream` where nothing healthy was found. */
export function autoChoice(
  results: readonly ProbeResult[],
  ecosystems: readonly Ecosystem[],
): Record<string, string> {
  const choice: Record<string, string> = {};
  for (const ecosystem of ecosystems)
    choice[ecosystem] = selectMirror(results, ecosystem)?.mirror ?? "upstream";
  return choice;
}
