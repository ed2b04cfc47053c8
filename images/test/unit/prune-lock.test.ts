import { describe, expect, it } from "vitest";
import { type Lockfile, pruneToWorkspace } from "../../src/prune-lock.ts";

const lock: Lockfile = {
  name: "root",
  lockfileVersion: 3,
  packages: {
    "": { name: "root", workspaces: ["runtime", "tools"], devDependencies: { vitest: "1" } },
    runtime: { name: "@i2v/runtime", dependencies: { a: "1", sharp: "1" } },
    tools: { name: "tools", dependencies: { c: "1" } },
    "node_modules/@i2v/runtime": { resolved: "runtime", link: true },
    "node_modules/tools": { resolved: "tools", link: true },
    "node_modules/a": { version: "1.0.0", dependencies: { b: "2" } },
    "node_modules/b": { version: "1.0.0", dev: true },
    "node_modules/a/node_modules/b": { version: "2.0.0" },
    "node_modules/sharp": { version: "1.0.0", optionalDependencies: { "@img/sharp-linux-x64": "1" } },
    "node_modules/@img/sharp-linux-x64": { version: "1.0.0", optional: true },
    "node_modules/c": { version: "1.0.0" },
    "node_modules/vitest": { version: "1.0.0", dev: true },
  },
};

describe("pruneToWorkspace", () => {
  const pruned = pruneToWorkspace({ name: "root", version: "1.0.0", type: "module" }, lock, "runtime");
  const keys = Object.keys(pruned.lockfile.packages);

  it("keeps the workspace, its link and what its production dependencies reach (nested first)", () => {
    expect(keys).toEqual(
      expect.arrayContaining([
        "",
        "runtime",
        "node_modules/@i2v/runtime",
        "node_modules/a",
        "node_modules/a/node_modules/b",
      ]),
    );
    expect(keys).toContain("node_modules/@img/sharp-linux-x64");
  });

  it("drops other workspaces, root devDependencies and shadowed versions", () => {
    expect(keys).not.toContain("tools");
    expect(keys).not.toContain("node_modules/c");
    expect(keys).not.toContain("node_modules/vitest");
    expect(keys).not.toContain("node_modules/b");
    expect(pruned.lockfile.packages[""]).toEqual({ name: "root", workspaces: ["runtime"] });
    expect(pruned.packageJson).toEqual({
      name: "root",
      version: "1.0.0",
      private: true,
      type: "module",
      workspaces: ["runtime"],
    });
  });

  it("refuses a workspace that is not in the lockfile", () => {
    expect(() => pruneToWorkspace({}, lock, "nope")).toThrow(/not in package-lock/);
  });
});
