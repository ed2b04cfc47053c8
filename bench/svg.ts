/** Hand-written SVG bar charts for docs/figures: no dependency, stable output, readable diffs. */

export interface Bar {
  label: string;
  /** Bar length in chart units (0..max). */
  value: number;
  /** Text printed after the bar. */
  text: string;
  /** Fill colour; the default is a neutral blue. */
  colour?: string;
}

export interface BarChart {
  title: string;
  /** What the axis measures, printed under the title. */
  subtitle: string;
  bars: Bar[];
  /** Axis maximum; default: the largest value. */
  max?: number;
  /** A vertical reference line (e.g. 100% of target), with its label. */
  reference?: { value: number; label: string };
}

export const COLOURS = { met: "#2e7d32", missed: "#c62828", info: "#1565c0" } as const;

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A horizontal bar chart: one row per bar, labels on the left, values on the right. */
export function barChart(chart: BarChart): string {
  const row = 22;
  // Widths from character counts: about 7 px a character at 12 px sans-serif, with a margin.
  const chars = (texts: string[]) => 16 + 7 * Math.max(...texts.map((t) => t.length));
  const labelWidth = Math.min(640, chars(chart.bars.map((b) => b.label)));
  const plot = 360;
  const textWidth = chars(chart.bars.map((b) => `${b.text} (clipped)`));
  const top = 52;
  const width = Math.ceil(labelWidth + plot + textWidth);
  const height = top + row * chart.bars.length + 28;
  const max = chart.max ?? Math.max(...chart.bars.map((b) => b.value), chart.reference?.value ?? 0) * 1.05;
  const x = (v: number) => labelWidth + (plot * Math.max(0, Math.min(v, max))) / (max || 1);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    // A title for screen readers and hover text.
    `<title>${escapeXml(`${chart.title}: ${chart.subtitle}`)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
    `<text x="8" y="38" fill="#555555">${escapeXml(chart.subtitle)}</text>`,
  ];
  chart.bars.forEach((bar, i) => {
    const y = top + i * row;
    const clipped = bar.value > max ? " (clipped)" : "";
    lines.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${(x(bar.value) - labelWidth).toFixed(1)}" height="${row - 6}" fill="${bar.colour ?? COLOURS.info}"/>`,
      `<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + 15}">${escapeXml(bar.text + clipped)}</text>`,
    );
  });
  if (chart.reference) {
    const rx = x(chart.reference.value).toFixed(1);
    const bottom = top + row * chart.bars.length;
    lines.push(
      `<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${bottom + 4}" stroke="#333333" stroke-dasharray="4 3"/>`,
      `<text x="${rx}" y="${bottom + 18}" text-anchor="middle" fill="#333333">${escapeXml(chart.reference.label)}</text>`,
    );
  }
  lines.push("</svg>", "");
  return lines.join("\n");
}
