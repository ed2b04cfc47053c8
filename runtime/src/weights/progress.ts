import type { FetchEvent, FetchModelResult } from "./types.ts";

export interface ProgressRenderer {
  onEvent(event: FetchEvent): void;
  /** Clears the live line and prints the one-line summary. */
  finish(result: FetchModelResult): void;
}

export interface ProgressOptions {
  /** A live bar redrawn in place (a terminal) or plain lines (logs, CI). */
  live: boolean;
  write: (text: string) => void;
}

/** Formats bytes with binary units, as sizes of weights usually are. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * Renders fetch events: in a terminal one bar line redrawn at most ten times a second; otherwise
 * a line per file, per retry, and every tenth of the bytes, so CI logs stay short but alive.
 */
export function createProgressRenderer(options: ProgressOptions): ProgressRenderer {
  const { live, write } = options;
  let total = 0;
  let done = 0;
  let files = 0;
  let filesDone = 0;
  let lastDraw = 0;
  let lastDecile = 0;
  const started = performance.now();
  const line = (text: string) => write(live ? `\r\x1b[K${text}\n` : `${text}\n`);
  const rate = () => done / Math.max(0.001, (performance.now() - started) / 1000);
  const draw = () => {
    const frac = total === 0 ? 1 : done / total;
    const bar = "#".repeat(Math.round(frac * 24)).padEnd(24, ".");
    write(
      `\r\x1b[K[${bar}] ${(frac * 100).toFixed(0)}% ${formatBytes(done)}/${formatBytes(total)} ` +
        `${formatBytes(rate())}/s ${filesDone}/${files} files`,
    );
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case "plan":
          total = e.totalBytes;
          files = e.files;
          line(`${e.repo}@${e.commit.slice(0, 12)}: ${e.files} files, ${formatBytes(e.totalBytes)}`);
          break;
        case "file-cached":
        case "file-done":
          done += e.type === "file-cached" ? e.size : 0;
          filesDone++;
          if (!live && e.type === "file-done") line(`  got ${e.path} (${formatBytes(e.size)})`);
          break;
        case "file-start":
          done += e.resumeFrom;
          if (e.resumeFrom > 0) line(`  resuming ${e.path} from ${formatBytes(e.resumeFrom)}`);
          break;
        case "bytes":
          done += e.bytes;
          break;
        case "retry":
          line(`  retry ${e.path}: ${e.reason}, waiting ${(e.waitMs / 1000).toFixed(1)} s`);
          break;
        case "refetch":
          line(`  fetching ${e.path} again: ${e.reason}`);
          break;
      }
      const now = performance.now();
      if (live && now - lastDraw > 100) {
        lastDraw = now;
        draw();
      }
      const decile = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (!live && e.type === "bytes" && decile > lastDecile) {
        lastDecile = decile;
        line(`  ${decile * 10}% ${formatBytes(done)}/${formatBytes(total)} at ${formatBytes(rate())}/s`);
      }
    },
    finish(r) {
      if (live) write("\r\x1b[K");
      write(`${summaryLine(r)}\n`);
    },
  };
}

/** The one-line summary every long command ends with. */
export function summaryLine(r: FetchModelResult): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (
    `fetched ${r.repo}@${r.commit.slice(0, 12)}: ${r.files} files, ${formatBytes(r.totalBytes)} ` +
    `(${formatBytes(r.downloadedBytes)} downloaded, ${r.cachedFiles} files from cache), lock ${r.lock}; ` +
    `resolve ${s(r.timings.resolveMs)}, files ${s(r.timings.filesMs)}, total ${s(r.timings.totalMs)} -> ${r.snapshotDir}`
  );
}
