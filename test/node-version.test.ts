import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// npm scripts run on the Node that `npm ci` puts in node_modules/.bin (the pinned node-linux-*
// optional dependency), not on the machine's own Node: this test is what fails when they do not.
const root = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

/** "22.13.1" -> [22, 13, 1] */
function parts(version: string): number[] {
  return version
    .replace(/^v/, "")
    .split(".")
    .map((n) => Number.parseInt(n, 10));
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

describe("the Node the tests run on", () => {
  it("satisfies the toolkit's engines", () => {
    const floor = /^>=(\d+(?:\.\d+){0,2})$/.exec(root.engines.node)?.[1];
    expect(floor, `engines.node should read ">=X.Y", got ${root.engines.node}`).toBeDefined();
    expect(atLeast(process.version, floor as string), `${process.version} < ${floor}`).toBe(true);
  });

  const pinned = root.optionalDependencies[`node-${process.platform}-${process.arch}`];
  it.runIf(pinned)("is the pinned node package on this platform, found through node_modules/.bin", () => {
    expect(process.version).toBe(`v${pinned}`);
  });
});
