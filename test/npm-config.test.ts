import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The project's .npmrc: npm 11 warns on every command about keys it does not know ("Unknown project
// config ... will stop working in the next major version"); and no dependency's install script may
// run (onnxruntime-node's would fetch CUDA libraries from NuGet), whatever npm version installs.
const root = new URL("..", import.meta.url).pathname;
const npm = (...args: string[]) => promisify(execFile)("npm", args, { cwd: root, env: process.env });

describe("the project's npm config", () => {
  it("makes npm print no config warning", async () => {
    const { stderr } = await npm("pkg", "get", "name");
    expect(stderr).not.toMatch(/Unknown (project|user|builtin) config|npm warn config/i);
  });

  it("keeps every install script from running, with a key npm knows", async () => {
    const { stdout } = await npm("config", "get", "ignore-scripts");
    expect(stdout.trim()).toBe("true");
  });
});
