import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { percentile, summarizeJobLog, summaryText } from "../../client/log-summary.ts";

const record = (preset: string, outcome: string, run_ms: number | null, error_code: string | null = null) =>
  JSON.stringify({ level: 30, msg: "job finished", preset, outcome, run_ms, queue_wait_ms: 100, error_code });

describe("job log summary", () => {
  test("p50/p95 per preset over succeeded jobs, failures by cause, other lines skipped", () => {
    const lines = [
      ...Array.from({ length: 20 }, (_, i) => record("quick", "succeeded", (i + 1) * 1000)),
      record("standard", "succeeded", 50_000),
      record("standard", "failed", 10, "encode_failed"),
      record("standard", "failed", 10, "encode_failed"),
      record("quick", "canceled", 5, "canceled"),
      JSON.stringify({ msg: "listening on http://x" }),
      "not json",
      "",
    ];
    const summary = summarizeJobLog(lines);
    expect(summary.presets).toEqual([
      {
        preset: "quick",
        jobs: 21,
        succeeded: 20,
        run_p50_ms: 10_000,
        run_p95_ms: 19_000,
        wait_p50_ms: 100,
        wait_p95_ms: 100,
      },
      {
        preset: "standard",
        jobs: 3,
        succeeded: 1,
        run_p50_ms: 50_000,
        run_p95_ms: 50_000,
        wait_p50_ms: 100,
        wait_p95_ms: 100,
      },
    ]);
    expect(summary.failures).toEqual({ encode_failed: 2, canceled: 1 });
    expect(summary.skipped).toBe(2);
  });

  test("nearest-rank percentile", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([4, 3, 2, 1], 100)).toBe(4);
  });
});

describe("npm run logs -- summary as text", () => {
  test("a plain aligned table, figures right-aligned, then the failures", () => {
    const text = summaryText(
      summarizeJobLog([
        record("quick", "succeeded", 2500),
        record("quick", "succeeded", 3500),
        record("standard", "succeeded", 41_000),
        record("standard", "failed", 10, "encode_failed"),
      ]),
    );
    expect(text.split("\n")).toEqual([
      "preset    jobs  ok  run p50  run p95  wait p50  wait p95",
      "--------  ----  --  -------  -------  --------  --------",
      "quick        2   2    2.5 s    3.5 s     0.1 s     0.1 s",
      "standard     2   1   41.0 s   41.0 s     0.1 s     0.1 s",
      "",
      "failures: encode_failed 1",
    ]);
    expect(text).not.toMatch(/\(index\)|[┌│└]|'/);
  });
});

test("the CLI prints that table, not console.table's", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "logs-"));
  const file = path.join(dir, "jobs.log");
  await writeFile(file, `${record("quick", "succeeded", 2500)}\n`);
  const { stdout } = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    "scripts/logs.ts",
    "summary",
    file,
  ]);
  expect(stdout.split("\n").slice(0, 3)).toEqual([
    "preset  jobs  ok  run p50  run p95  wait p50  wait p95",
    "------  ----  --  -------  -------  --------  --------",
    "quick      1   1    2.5 s    2.5 s     0.1 s     0.1 s",
  ]);
});
