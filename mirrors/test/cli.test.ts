import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ["--import", "tsx", "scripts/mirrors.ts", ...args], {
    cwd: process.cwd(),
    timeout: 30_000,
  });

describe("npm run mirrors", () => {
  it("render writes files and says what it did; an unknown name fails with the known ones", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "cli-"));
    const ok = await cli([
      "render",
      "--mirror",
      "tuna",
      "--ecosystem",
      "pypi,conda",
      "--distro",
      "debian:bookworm",
      "--out",
      out,
    ]);
    expect(ok.stdout).toMatch(/rendered 3 files in \d+ ms: pypi=tuna conda=tuna/);
    expect(await readFile(path.join(out, "pip.conf"), "utf8")).toContain("pypi.tuna.tsinghua.edu.cn");

    const bad = await cli(["render", "--mirror", "tsinghua", "--out", out]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toMatch(
      /error: unknown mirror 'tsinghua'\nhint: use auto, upstream or one of: .*tuna/,
    );
  });

  it("list shows the catalog for one ecosystem", async () => {
    const { stdout } = await cli(["list", "--ecosystem", "npm"]);
    expect(stdout.split("\n")[0]).toMatch(/^ecosystem\s+mirror\s+url\s+source/);
    expect(stdout).toContain("npmmirror");
    expect(stdout).not.toMatch(/^debian/m);
  });
});
