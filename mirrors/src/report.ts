import type { CatalogRow } from "./catalog/query.ts";
import type { ProbeResult } from "./probe/probe.ts";
import { rankResults } from "./probe/rank.ts";

/** Left-aligned columns with two spaces between: readable in a terminal, greppable in CI logs. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The catalog as a table: one row per (mirror, ecosystem). */
export function catalogTable(rows: readonly CatalogRow[]): string {
  return table(
    ["ecosystem", "mirror", "url", "source"],
    rows.map((r) => [
      r.ecosystem,
      r.mirror,
      r.entry.url,
      r.entry.source + (r.entry.caveat ? ` [${r.entry.caveat}]` : ""),
    ]),
  );
}

function rate(bps: number): string {
  if (bps >= 1024 * 1024) return `${(bps / 1024 / 1024).toFixed(1)} MiB/s`;
  return `${(bps / 1024).toFixed(0)} KiB/s`;
}

/** Probe results per ecosystem, best first, with the reason for every failure. */
export function probeTable(results: readonly ProbeResult[]): string {
  const rows = rankResults(results)
    .sort((a, b) => a.ecosystem.localeCompare(b.ecosystem))
    .map((r) => [
      r.ecosystem,
      r.mirror,
      r.ok ? "ok" : "FAIL",
      r.latencyMs === undefined ? "-" : `${Math.round(r.latencyMs)} ms`,
      r.ok ? rate(r.throughputBps) : "-",
      [r.error ?? "", r.partial ? "cut by deadline" : "", r.cached ? "cached" : ""]
        .filter(Boolean)
        .join("; "),
    ]);
  return table(["ecosystem", "mirror", "status", "latency", "throughput", "note"], rows);
}
