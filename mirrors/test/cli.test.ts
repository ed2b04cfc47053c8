import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** A loopback port nothing listens on (bound once, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
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

  it("probe says when nothing answered instead of naming a best mirror", async () => {
    // conda has no upstream to detect here, and the only mirror's port is closed.
    const dir = await mkdtemp(path.join(tmpdir(), "cli-"));
    const catalog = path.join(dir, "catalog.yaml");
    const shipped = await readFile("mirrors/catalog.yaml", "utf8");
    const closed = await closedPort();
    await writeFile(
      catalog,
      `${shipped.slice(0, shipped.indexOf("\nproviders:"))}
providers:
  closed:
    { name: Closed, kind: campus, site: "http://127.0.0.1:${closed}/", source: test,
      offers: { conda: { url: "http://127.0.0.1:${closed}/conda", source: test } } }
`,
    );
    const { stdout, stderr } = await cli([
      "probe",
      "--fresh",
      "--ecosystem",
      "conda",
      "--timeout",
      "2",
      "--catalog",
      catalog,
    ]);
    expect(stdout).toMatch(/conda\s+closed\s+FAIL.*ECONNREFUSED/);
    expect(stdout).toMatch(/best: none$/m);
    expect(stderr).toMatch(/warning: nothing answered, no mirror and no upstream: .*offline/);
    expect(stderr).toMatch(/uses upstream .*unmeasured; nothing was cached/);
  });
});
