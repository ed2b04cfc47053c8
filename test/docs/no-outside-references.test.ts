import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A user's clone has only the repository: nothing tracked may point at the research folder the
// project was built beside (`../shared`, `shared/reference`, `shared/fixtures`). Cite the original
// source (docs/mirrors.md "Sources") or bring the fact into the project's docs.
const ROOT = path.resolve(import.meta.dirname, "../..");
const SELF = path.relative(ROOT, import.meta.filename);
const OUTSIDE = /\.\.\/shared\b|\bshared\/(reference|fixtures)\b/;

function trackedTextFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  return out
    .split("\0")
    .filter((f) => f && f !== SELF && !f.includes("node_modules/"))
    .filter((f) => !/\.(png|jpe?g|webp|mp4|onnx|gz|zst)$/i.test(f));
}

function pointsOutside(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  return text
    .split("\n")
    .map((line, i) => ({ line, at: i + 1 }))
    .filter(({ line }) => OUTSIDE.test(line))
    .map(({ line, at }) => `${file}:${at}: ${line.trim().slice(0, 120)}`);
}

describe("references a clone does not have", () => {
  const files = trackedTextFiles();

  it("lists the repository's tracked files", () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it("no tracked file points outside the repository", () => {
    const found = files.flatMap(pointsOutside);
    expect(found).toEqual([]);
  });
});
