import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadCatalog } from "../src/catalog/load.ts";
import type { Ecosystem } from "../src/catalog/schema.ts";
import { type RenderOptions, renderMirrorConfig } from "../src/render/render.ts";
import type { Upstream } from "../src/upstream/detect.ts";

// Upstream as a machine would report it; .test hosts keep real archive names out of the repo.
const fakeUpstream = async (ecosystem: Ecosystem): Promise<Upstream> => {
  if (ecosystem === "debian") {
    const apt = {
      url: "http://archive.example.test/debian",
      suites: ["bookworm", "bookworm-updates"],
      components: ["main"],
      securityUrl: "http://archive.example.test/debian-security",
      securitySuites: ["bookworm-security"],
      securityComponents: ["main"],
      signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
      from: ["fixture"],
    };
    return { found: true, url: apt.url, from: "fixture", apt };
  }
  if (ecosystem === "npm") return { found: true, url: "https://npm.example.test/", from: "fixture" };
  if (ecosystem === "pypi") return { found: true, url: "https://pypi.example.test/simple", from: "fixture" };
  return { found: false, reason: "not in this fixture" };
};

async function render(options: Partial<RenderOptions>) {
  const outDir = await mkdtemp(path.join(tmpdir(), "render-"));
  const report = await renderMirrorConfig({
    catalog: await loadCatalog(),
    mirror: "tuna",
    outDir,
    distro: { id: "debian", codename: "bookworm" },
    detect: fakeUpstream,
    ...options,
  });
  const read = (name: string) => readFile(path.join(outDir, name), "utf8");
  return {
    report,
    outDir,
    read,
    names: (await readdir(outDir, { withFileTypes: true })).map((d) => d.name).sort(),
  };
}

describe("renderMirrorConfig", () => {
  it("moves Debian's main suites to the mirror and keeps security upstream", async () => {
    const { read } = await render({ ecosystems: ["debian"] });
    const text = await read("debian.sources");
    expect(text).toContain("URIs: https://mirrors.tuna.tsinghua.edu.cn/debian\n");
    expect(text).toContain("Suites: bookworm bookworm-updates bookworm-backports\n");
    expect(text).toContain("Components: main contrib non-free non-free-firmware\n");
    expect(text).toMatch(/URIs: http:\/\/archive\.example\.test\/debian-security\nSuites: bookworm-security/);
    expect(text).not.toContain("tuna.tsinghua.edu.cn/debian-security");
  });

  it("moves security too with mirrorSecurity, and writes classic sources.list on request", async () => {
    const { read } = await render({ ecosystems: ["debian"], mirrorSecurity: true, aptFormat: "classic" });
    const lines = (await read("sources.list")).split("\n").filter((l) => l.startsWith("deb "));
    const key = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]";
    expect(lines).toContain(
      `deb ${key} https://mirrors.tuna.tsinghua.edu.cn/debian bookworm-updates main contrib non-free non-free-firmware`,
    );
    expect(lines).toContain(
      `deb ${key} https://mirrors.tuna.tsinghua.edu.cn/debian-security bookworm-security main`,
    );
    expect(lines).toHaveLength(4);
  });

  it("renders Ubuntu: classic for jammy, deb822 for noble, the ports tree off x86", async () => {
    const ubuntuUp = async (): Promise<Upstream> => ({ found: false, reason: "not this machine" });
    const jammy = await render({
      ecosystems: ["ubuntu"],
      distro: { id: "ubuntu", codename: "jammy" },
      mirrorSecurity: true,
      detect: ubuntuUp,
    });
    expect(await jammy.read("sources.list")).toContain(
      "deb [signed-by=/usr/share/keyrings/ubuntu-archive-keyring.gpg] https://mirrors.tuna.tsinghua.edu.cn/ubuntu jammy main restricted universe multiverse",
    );
    const noble = await render({
      ecosystems: ["ubuntu"],
      distro: { id: "ubuntu", codename: "noble" },
      arch: "arm64",
      mirror: "aliyun",
      mirrorSecurity: true,
      detect: ubuntuUp,
    });
    const text = await noble.read("ubuntu.sources");
    expect(text).toContain(
      "URIs: https://mirrors.aliyun.com/ubuntu-ports\nSuites: noble noble-updates noble-backports",
    );
  });

  it("refuses to guess the upstream security archive of another distribution", async () => {
    const attempt = render({
      ecosystems: ["ubuntu"],
      distro: { id: "ubuntu", codename: "noble" },
      detect: async () => ({ found: false, reason: "this machine runs debian" }),
    });
    await expect(attempt).rejects.toMatchObject({
      code: "NO_APT_UPSTREAM",
      hint: expect.stringMatching(/--apt-sources/),
    });
  });

  it("writes pip.conf with the index and the PyTorch flat find-links of the track", async () => {
    const { read } = await render({ mirror: { pypi: "tuna", pytorch: "aliyun" }, pytorchTrack: "cu124" });
    const text = await read("pip.conf");
    expect(text).toContain("[global]\nindex-url = https://pypi.tuna.tsinghua.edu.cn/simple\n");
    expect(text).toContain("find-links = https://mirrors.aliyun.com/pytorch-wheels/cu124/\n");
    expect(text).not.toContain("trusted-host");
  });

  it("writes .condarc for full and community-only conda mirrors", async () => {
    const full = parseYaml(await (await render({ ecosystems: ["conda"] })).read(".condarc"));
    expect(full.default_channels).toContain("https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main");
    expect(full.custom_channels["conda-forge"]).toBe("https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud");
    const ustc = parseYaml(await (await render({ mirror: "ustc", ecosystems: ["conda"] })).read(".condarc"));
    expect(ustc.channels).toEqual(["nodefaults"]);
    expect(ustc.default_channels).toBeUndefined();
  });

  it("writes .npmrc, NuGet.Config, daemon.json, buildkitd.toml and the env file", async () => {
    const npm = await render({ mirror: "npmmirror" });
    expect(await npm.read(".npmrc")).toContain("registry=https://registry.npmmirror.com/\n");
    expect(await npm.read("mirrors.env")).toContain(
      "NVM_NODEJS_ORG_MIRROR=https://cdn.npmmirror.com/binaries/node/\n",
    );
    const nuget = await render({ mirror: "huawei", ecosystems: ["nuget"] });
    expect(await nuget.read("NuGet.Config")).toMatch(
      /<clear \/>\s+<add key="huawei" value="https:\/\/repo\.huaweicloud\.com\/repository\/nuget\/v3\/index\.json" protocolVersion="3" \/>/,
    );
    const docker = await render({ mirror: "daocloud" });
    expect(JSON.parse(await docker.read("daemon.json"))).toEqual({
      "registry-mirrors": ["https://docker.m.daocloud.io"],
    });
    const toml = await docker.read("buildkitd.toml");
    expect(toml).toContain('[registry."docker.io"]\n  mirrors = ["docker.m.daocloud.io"]');
    expect(toml).toContain('[registry."nvcr.io"]\n  mirrors = ["nvcr.m.daocloud.io"]');
    const hf = await render({ mirror: { huggingface: "hf-mirror", modelscope: "modelscope" } });
    const env = await hf.read("mirrors.env");
    expect(env).toContain("HF_ENDPOINT=https://hf-mirror.com\n");
    expect(env).toContain("MODELSCOPE_DOMAIN=www.modelscope.cn\n");
  });

  it("keeps upstream for what a provider does not serve, and records the choices", async () => {
    const { report, read, names } = await render({ mirror: "tuna", ecosystems: ["debian", "npm", "docker"] });
    expect(report.choices).toEqual({ debian: "tuna", npm: "upstream", docker: "upstream" });
    expect(await read(".npmrc")).toContain("registry=https://npm.example.test/\n");
    expect(names).not.toContain("daemon.json");
    expect(report.notes.join("\n")).toMatch(/docker: left at the tool's own default/);
    expect(JSON.parse(await read("mirrors.json")).choices.debian).toBe("tuna");
  });

  it("rejects unknown mirror names, listing the known ones", async () => {
    await expect(render({ mirror: "tsinghua" })).rejects.toMatchObject({
      message: "unknown mirror 'tsinghua'",
      hint: expect.stringContaining("tuna"),
    });
    await expect(render({ mirror: { npm: "tuna" } })).rejects.toThrow(/tuna does not serve npm/);
  });
});
