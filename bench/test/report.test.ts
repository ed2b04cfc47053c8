import { describe, expect, it } from "vitest";
import { percentOfTarget } from "../report.ts";
import { toHalfBytes } from "../runtime/fp16.ts";
import { barChart } from "../svg.ts";
import { figure } from "../types.ts";

describe("percentOfTarget", () => {
  const f = (value: number, target: number, better: "lower" | "higher") =>
    figure({ name: "x", value, unit: "x", target, better, how: "" });
  it.each([
    [f(1.5, 1.5, "lower"), 100],
    [f(0.75, 1.5, "lower"), 200],
    [f(3, 1.5, "lower"), 50],
    [f(0.97, 0.97, "higher"), 100],
    [f(0.485, 0.97, "higher"), 50],
  ])("is direction-aware (%#)", (fig, percent) => {
    expect(percentOfTarget(fig)).toBeCloseTo(percent);
  });
});

describe("toHalfBytes", () => {
  const half = (v: number) => new Uint16Array(toHalfBytes(Float32Array.from([v])).buffer)[0];
  it.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [Number.NaN, 0x7e00],
  ])("encodes %d as binary16", (value, bits) => {
    expect(half(value)).toBe(bits);
  });
});

describe("barChart", () => {
  it("escapes labels and draws one bar per entry", () => {
    const svg = barChart({ title: "a < b", subtitle: "s", bars: [{ label: "x & y", value: 1, text: "1" }] });
    expect(svg).toContain("a &lt; b");
    expect(svg).toContain("x &amp; y");
    expect(svg.match(/<rect /g)).toHaveLength(2); // background + one bar
  });
});
