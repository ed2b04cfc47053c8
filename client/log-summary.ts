/** One finished-job record as the service logs it (the fields the summary reads). */
interface JobRecord {
  msg: string;
  outcome: string;
  preset: string;
  run_ms: number | null;
  queue_wait_ms: number | null;
  error_code: string | null;
}

export interface PresetSummary {
  preset: string;
  jobs: number;
  succeeded: number;
  run_p50_ms: number | null;
  run_p95_ms: number | null;
  wait_p50_ms: number | null;
  wait_p95_ms: number | null;
}

export interface LogSummary {
  presets: PresetSummary[];
  /** Failed and canceled jobs by error code. */
  failures: Record<string, number>;
  /** Lines that were not job records (other log lines, or garbage). */
  skipped: number;
}

/**
 * Turns the service's job log (JSON lines: pino output or DATA_DIR/jobs.log) into p50/p95 run
 * time and queue wait per preset, and failures by cause.
 */
export function summarizeJobLog(lines: Iterable<string>): LogSummary {
  const byPreset = new Map<string, JobRecord[]>();
  const failures: Record<string, number> = {};
  let skipped = 0;
  for (const line of lines) {
    const record = parse(line);
    if (!record) {
      if (line.trim()) skipped++;
      continue;
    }
    const list = byPreset.get(record.preset) ?? [];
    list.push(record);
    byPreset.set(record.preset, list);
    if (record.outcome !== "succeeded") {
      const cause = record.error_code ?? record.outcome;
      failures[cause] = (failures[cause] ?? 0) + 1;
    }
  }
  const presets = [...byPreset.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([preset, records]) => {
      const ok = records.filter((r) => r.outcome === "succeeded");
      const runs = ok.map((r) => r.run_ms).filter((v): v is number => typeof v === "number");
      const waits = records.map((r) => r.queue_wait_ms).filter((v): v is number => typeof v === "number");
      return {
        preset,
        jobs: records.length,
        succeeded: ok.length,
        run_p50_ms: percentile(runs, 50),
        run_p95_ms: percentile(runs, 95),
        wait_p50_ms: percentile(waits, 50),
        wait_p95_ms: percentile(waits, 95),
      };
    });
  return { presets, failures, skipped };
}

/** Nearest-rank percentile; null for no data. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function parse(line: string): JobRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<JobRecord>;
    return value.msg === "job finished" &&
      typeof value.preset === "string" &&
      typeof value.outcome === "string"
      ? (value as JobRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The summary as a terminal table: a header, a rule, one row per preset, figures right-aligned so
 * that they line up, then the failures. (`console.table` printed an `(index)` column, quoted
 * strings and box-drawing characters that mangle in logs and non-UTF-8 terminals.)
 */
export function summaryText(summary: LogSummary): string {
  const s = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)} s`);
  const header = ["preset", "jobs", "ok", "run p50", "run p95", "wait p50", "wait p95"];
  const rows = summary.presets.map((p) => [
    p.preset,
    String(p.jobs),
    String(p.succeeded),
    s(p.run_p50_ms),
    s(p.run_p95_ms),
    s(p.wait_p50_ms),
    s(p.wait_p95_ms),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  // The preset name reads left to right; every other column is a figure.
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const failures = Object.entries(summary.failures);
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    failures.length
      ? `failures: ${failures.map(([code, n]) => `${code} ${n}`).join(", ")}`
      : "failures: none",
  ].join("\n");
}
