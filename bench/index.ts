import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderReport } from "./report.ts";
import type { BenchSuite, Figure } from "./types.ts";

// Every file in bench/suites exports `suite`; they run one after another in this process so that
// ratios inside a suite are measured side by side on the same machine state.
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");

const files = (await readdir(path.join(here, "suites"))).filter((f) => f.endsWith(".ts")).sort();
const figures: Figure[] = [];
const partial = new Set<string>();
for (const file of files) {
  const { suite } = (await import(pathToFileURL(path.join(here, "suites", file)).href)) as {
    suite: BenchSuite;
  };
  if (only && !only.includes(suite.name)) continue;
  if (suite.keepsUnmeasured) partial.add(suite.name);
  console.log(`\n== ${suite.name}`);
  const started = performance.now();
  try {
    const got = await suite.run({ quick, log: (line) => console.log(`  ${line}`) });
    figures.push(...got.map((f) => ({ ...f, suite: suite.name })));
  } catch (error) {
    console.error(`  suite ${suite.name} failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

console.log("");
console.table(
  figures.map((f) => ({
    figure: f.name,
    value: `${Number(f.value.toPrecision(4))} ${f.unit}`,
    target: f.target === null ? "-" : `${f.better === "lower" ? "<=" : ">="} ${f.target}`,
    met: f.met === null ? "-" : f.met ? "yes" : "NO",
  })),
);
const out = path.join(here, "results.json");
await mkdir(path.dirname(out), { recursive: true });
// With --only, the other suites' figures from the last run are kept, so the report stays whole;
// so are the figures a suite run in parts did not measure this time.
const ran = new Set(figures.map((f) => f.suite));
const names = new Set(figures.map((f) => f.name));
const kept = (await previousFigures(out)).filter(
  (f) =>
    f.suite &&
    !names.has(f.name) &&
    ((only && !ran.has(f.suite) && !only.includes(f.suite)) || partial.has(f.suite)),
);
await writeFile(out, `${JSON.stringify([...kept, ...figures], null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
// Charts and the figures table of docs/performance.md follow the results just written.
console.log(`wrote ${(await renderReport(out)).join(", ")}`);

async function previousFigures(file: string): Promise<Figure[]> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Figure[];
  } catch {
    return [];
  }
}
