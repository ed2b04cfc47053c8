import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Bar, barChart, COLOURS } from "./svg.ts";
import type { Figure } from "./types.ts";

/**
 * Renders bench/results.json into docs/: SVG charts in docs/figures/ and the figures table of
 * docs/performance.md between its bench markers (the hand-written sections around them stay).
 * `npm run bench` calls it after writing results.json; `tsx bench/report.ts` re-renders alone.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const BEGIN = "<!-- bench:begin -->";
const END = "<!-- bench:end -->";

/** One chart per group of figures, picked by name; a group with no figures is skipped. */
const GROUPS: Array<{ file: string; title: string; subtitle: string; match: RegExp }> = [
  {
    file: "load-vs-floor.svg",
    title: "Model load with the optimized-model cache warm, against reading the files",
    subtitle: "x the file-read floor, by weight volume (lower is better; target 1.5 on the largest)",
    match: /^model load \(cache warm/,
  },
  {
    file: "load-ms.svg",
    title: "Model load of the largest demo model",
    subtitle: "ms, median (lower is better)",
    match: /^model load, (cache warm|cold|first start|file-read floor)/,
  },
  {
    file: "threads.svg",
    title: "UNet step by ORT intra-op threads",
    subtitle: "ms per step, CFG batch 2, median (lower is better)",
    match: /^UNet step, intra-op threads/,
  },
  {
    file: "optimization-level.svg",
    title: "Graph optimization level: step time and session create time",
    subtitle: "ms, median (lower is better); create without the optimized-model cache",
    match: /^UNet (step|session create \(no cache\)), graph optimization/,
  },
  {
    file: "decode-chunk.svg",
    title: "VAE decode chunk size: time and peak memory",
    subtitle: "ms and MiB (lower is better)",
    match: /^VAE decode/,
  },
  {
    file: "concurrency.svg",
    title: "Service throughput against the raw loop, by concurrency",
    subtitle: "ratio (higher is better; target 0.97 at 1 and 2)",
    match: /^service throughput \/ raw loop/,
  },
];

const round = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));

/** How well a figure does against its target, direction-aware: 100% is on target, more is better. */
export function percentOfTarget(f: Figure): number {
  if (f.target === null || !Number.isFinite(f.value)) return Number.NaN;
  if (f.better === "higher") return (100 * f.value) / f.target;
  return f.value === 0 ? Number.POSITIVE_INFINITY : (100 * f.target) / f.value;
}

function targetsChart(figures: Figure[]): string {
  const bars: Bar[] = figures
    .filter((f) => f.target !== null)
    .map((f) => {
      const percent = percentOfTarget(f);
      const versus = `${round(f.value)} ${f.unit} vs ${f.better === "lower" ? "<=" : ">="} ${f.target}`;
      // A target of 0 met exactly (e.g. no bytes re-sent) has no finite percentage: show it full.
      const value = Number.isFinite(percent) ? percent : f.met ? 200 : 0;
      return {
        label: f.name,
        value,
        text: Number.isFinite(percent) ? `${round(percent)}% (${versus})` : versus,
        colour: f.met ? COLOURS.met : COLOURS.missed,
      };
    });
  return barChart({
    title: "Every figure with a target",
    subtitle: "% of target, direction-aware: 100% is on target, more is better (bars clipped at 200%)",
    bars,
    max: 200,
    reference: { value: 100, label: "target" },
  });
}

function groupChart(group: (typeof GROUPS)[number], figures: Figure[]): string | undefined {
  const picked = figures.filter((f) => group.match.test(f.name));
  if (picked.length === 0) return undefined;
  // One axis per unit: bars of different units share a chart only as separate blocks.
  const units = [...new Set(picked.map((f) => f.unit))];
  const charts = units.map((unit) =>
    barChart({
      title: group.title,
      subtitle: `${group.subtitle}; ${unit}`,
      bars: picked
        .filter((f) => f.unit === unit)
        .map((f) => ({
          label: f.name,
          value: f.value,
          text: `${round(f.value)} ${f.unit}`,
          colour: f.met === null ? COLOURS.info : f.met ? COLOURS.met : COLOURS.missed,
        })),
    }),
  );
  return charts.length === 1 ? charts[0] : stack(charts);
}

/** Several charts one under the other in one SVG file. */
function stack(svgs: string[]): string {
  let y = 0;
  let width = 0;
  const parts = svgs.map((svg) => {
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number) as [number, number, number];
    const part = `<g transform="translate(0 ${y})">${svg.replace(/^<svg[^>]*>/, "").replace(/<\/svg>\s*$/, "")}</g>`;
    y += h;
    width = Math.max(width, w);
    return part;
  });
  const titles = svgs.map((svg) => /<title>([^<]*)<\/title>/.exec(svg)?.[1] ?? "").join("; ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="12" role="img">\n<title>${titles}</title>\n${parts.join("\n")}\n</svg>\n`;
}

function table(figures: Figure[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  const rows = figures.map((f) => {
    const target = f.target === null ? "-" : `${f.better === "lower" ? "<=" : ">="} ${f.target}`;
    const met = f.met === null ? "-" : f.met ? "yes" : "**no**";
    return `| ${cell(f.name)} | ${round(f.value)} ${f.unit} | ${target} | ${met} | ${cell(f.how)} |`;
  });
  return ["| figure | value | target | met | how |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** Writes the charts and the table; returns the files written. */
export async function renderReport(resultsFile = path.join(ROOT, "bench/results.json")): Promise<string[]> {
  const figures = JSON.parse(await readFile(resultsFile, "utf8")) as Figure[];
  const figuresDir = path.join(ROOT, "docs/figures");
  await mkdir(figuresDir, { recursive: true });
  const written: string[] = [];
  const write = async (file: string, text: string) => {
    await writeFile(file, text);
    written.push(path.relative(ROOT, file));
  };
  await write(path.join(figuresDir, "targets.svg"), targetsChart(figures));
  for (const group of GROUPS) {
    const svg = groupChart(group, figures);
    if (svg) await write(path.join(figuresDir, group.file), svg);
  }
  const doc = path.join(ROOT, "docs/performance.md");
  const text = await readFile(doc, "utf8");
  const [start, end] = [text.indexOf(BEGIN), text.indexOf(END)];
  if (start < 0 || end < start) throw new Error(`${doc} has no ${BEGIN} ... ${END} markers to fill`);
  await write(doc, `${text.slice(0, start + BEGIN.length)}\n${table(figures)}\n${text.slice(end)}`);
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const written = await renderReport();
  console.log(`wrote ${written.join(", ")}`);
}
