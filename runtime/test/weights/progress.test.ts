import { describe, expect, it } from "vitest";
import { createProgressRenderer, type FetchModelResult } from "../../src/weights/index.ts";
import { formatBytes } from "../../src/weights/progress.ts";

const result: FetchModelResult = {
  repo: "acme/m",
  commit: "c".repeat(40),
  snapshotDir: "/cache/models--acme--m/snapshots/cccc",
  files: 2,
  totalBytes: 2048,
  downloadedBytes: 1024,
  cachedFiles: 1,
  lock: "written",
  timings: { resolveMs: 100, filesMs: 900, totalMs: 1000 },
};

function drive(live: boolean): string {
  let out = "";
  const r = createProgressRenderer({ live, write: (s) => (out += s) });
  r.onEvent({ type: "plan", repo: "acme/m", commit: result.commit, files: 2, totalBytes: 2048 });
  r.onEvent({ type: "file-cached", path: "a.json", size: 1024 });
  r.onEvent({ type: "file-start", path: "b.onnx", size: 1024, resumeFrom: 512 });
  r.onEvent({ type: "retry", path: "b.onnx", reason: "HTTP 503 for b.onnx", waitMs: 1500 });
  r.onEvent({ type: "bytes", path: "b.onnx", bytes: 512 });
  r.onEvent({ type: "file-done", path: "b.onnx", size: 1024 });
  r.finish(result);
  return out;
}

describe("progress output", () => {
  it("writes plain lines without control characters when not live", () => {
    const out = drive(false);
    expect(out.includes("\r") || out.includes("\x1b")).toBe(false);
    expect(out.split("\n")).toEqual([
      "acme/m@cccccccccccc: 2 files, 2.0 KiB",
      "  resuming b.onnx from 512 B",
      "  retry b.onnx: HTTP 503 for b.onnx, waiting 1.5 s",
      expect.stringMatching(/^ {2}100% 2\.0 KiB\/2\.0 KiB at /),
      "  got b.onnx (1.0 KiB)",
      expect.stringMatching(
        /^fetched acme\/m@cccccccccccc: 2 files, 2\.0 KiB \(1\.0 KiB downloaded, 1 files from cache\), lock written; /,
      ),
      "",
    ]);
  });

  it("redraws one bar line in a terminal and clears it before the summary", () => {
    const out = drive(true);
    const CLEAR = "\r\x1b[K";
    expect(out).toContain(`${CLEAR}[`);
    expect(out).toMatch(/\[[#.]{24}\] \d+% [\d.]+ \w+\/2\.0 KiB /);
    const last = out.trimEnd().split("\n").pop() ?? "";
    expect(last.replaceAll(CLEAR, "")).toMatch(/^fetched acme\/m@/);
  });

  it("formats sizes in binary units", () => {
    expect([0, 1023, 1024, 1536 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual([
      "0 B",
      "1023 B",
      "1.0 KiB",
      "1.5 MiB",
      "3.0 GiB",
    ]);
  });
});
