import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hasTool } from "../../test/support/tools.ts";
import { loadCatalog } from "../src/catalog/load.ts";
import { renderMirrorConfig } from "../src/render/render.ts";
import { detectUpstream } from "../src/upstream/detect.ts";
import { readDistro } from "../src/upstream/host.ts";
import { catalogWith } from "./support/catalog.ts";

const run = promisify(execFile);
const tmp = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));
// Tools must read only the files under test, not the npm_config_* a parent npm exported.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));

const distro = await readDistro();
const aptUsable = hasTool("apt-get") && process.getuid?.() === 0 && distro?.id === "debian";

/** apt-get update against one rendered file, touching nothing of the host's apt state. */
async function aptUpdate(sourcesFile: string): Promise<string[]> {
  const state = await tmp("apt-state-");
  await mkdir(path.join(state, "lists", "partial"), { recursive: true });
  await mkdir(path.join(state, "cache", "archives", "partial"), { recursive: true });
  await run(
    "apt-get",
    [
      "update",
      "--error-on=any",
      "-o",
      `Dir::Etc::sourcelist=${sourcesFile}`,
      "-o",
      "Dir::Etc::sourceparts=-",
      "-o",
      `Dir::State::Lists=${path.join(state, "lists")}`,
      "-o",
      `Dir::Cache=${path.join(state, "cache")}`,
      "-o",
      "APT::Sandbox::User=root",
      "-o",
      "Acquire::Languages=none",
      "-o",
      "Debug::NoLocking=1",
    ],
    { timeout: 50_000 },
  );
  return (await readdir(path.join(state, "lists"))).filter((f) => f.endsWith("InRelease"));
}

describe.skipIf(!aptUsable)("apt-get update reads the rendered sources", () => {
  it("deb822 rendered with --mirror upstream from this machine's own apt config", async () => {
    const outDir = await tmp("render-apt-");
    await renderMirrorConfig({
      catalog: await loadCatalog(),
      mirror: "upstream",
      ecosystems: ["debian"],
      outDir,
    });
    const releases = await aptUpdate(path.join(outDir, "debian.sources"));
    // The main suite(s) and the security suite each fetched and verified a signed InRelease.
    expect(releases.some((f) => f.includes("security"))).toBe(true);
    expect(releases.length).toBeGreaterThanOrEqual(2);
  });

  it("classic sources.list for a catalog mirror (the archive this machine reaches, read at run time)", async () => {
    const up = await detectUpstream("debian");
    if (!up.found) throw new Error(`no upstream apt archive on this machine: ${up.reason}`);
    const catalog = await catalogWith({ reached: { debian: { url: up.url } } });
    const outDir = await tmp("render-apt-");
    await renderMirrorConfig({
      catalog,
      mirror: "reached",
      ecosystems: ["debian"],
      outDir,
      aptFormat: "classic",
    });
    const releases = await aptUpdate(path.join(outDir, "sources.list"));
    // main, -updates, -backports from the "mirror", and security from upstream.
    expect(releases).toHaveLength(4);
  });
});

describe.skipIf(!hasTool("python3", ["-m", "pip", "--version"]))("pip reads the rendered pip.conf", () => {
  it("pip config shows the mirror's index and the PyTorch find-links", async () => {
    const outDir = await tmp("render-pip-");
    await renderMirrorConfig({
      catalog: await loadCatalog(),
      mirror: { pypi: "tuna", pytorch: "aliyun" },
      outDir,
      distro: { id: "debian", codename: "bookworm" },
    });
    const home = await tmp("pip-home-");
    const env = {
      ...cleanEnv,
      HOME: home,
      XDG_CONFIG_DIRS: home,
      PIP_CONFIG_FILE: path.join(outDir, "pip.conf"),
    };
    const { stdout } = await run("python3", ["-m", "pip", "config", "list"], { env, timeout: 30_000 });
    expect(stdout).toContain("global.index-url='https://pypi.tuna.tsinghua.edu.cn/simple'");
    expect(stdout).toContain("global.find-links='https://mirrors.aliyun.com/pytorch-wheels/cu126/'");
  });
});

describe.skipIf(!hasTool("npm"))("npm reads the rendered .npmrc", () => {
  it("npm config get registry --userconfig", async () => {
    const outDir = await tmp("render-npm-");
    const distroFixture = { id: "debian", codename: "bookworm" };
    await renderMirrorConfig({
      catalog: await loadCatalog(),
      mirror: "npmmirror",
      outDir,
      distro: distroFixture,
    });
    const { stdout } = await run(
      "npm",
      ["config", "get", "registry", "--userconfig", path.join(outDir, ".npmrc")],
      {
        cwd: outDir,
        env: cleanEnv,
        timeout: 30_000,
      },
    );
    expect(stdout.trim()).toBe("https://registry.npmmirror.com/");
  });
});
