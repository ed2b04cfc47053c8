import { describe, expect, it } from "vitest";
import { parseDebianMirror } from "../../src/debian-base.ts";
import {
  type MirrorChoice,
  mirrorCandidates,
  mirrorImageRef,
  renderAptList,
  withMirrorFailover,
} from "../../src/mirrors-adapter.ts";

const daocloud: MirrorChoice = {
  name: "daocloud",
  nugetIndex: "https://example/index.json",
  registryHosts: { "docker.io": "docker.m.daocloud.io", "nvcr.io": "nvcr.m.daocloud.io" },
};

describe("mirror rendering", () => {
  it.each([
    [
      "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04",
      "docker.m.daocloud.io/nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04",
    ],
    ["docker.io/nvidia/cuda:12", "docker.m.daocloud.io/nvidia/cuda:12"],
    ["debian:bookworm", "docker.m.daocloud.io/library/debian:bookworm"],
    ["nvcr.io/nvidia/cuda:12", "nvcr.m.daocloud.io/nvidia/cuda:12"],
    ["ghcr.io/x/y:1", "ghcr.io/x/y:1"],
    ["i2v-test/debian-base:bookworm", "docker.m.daocloud.io/i2v-test/debian-base:bookworm"],
  ])("rewrites %s", (ref, expected) => {
    expect(mirrorImageRef(ref, daocloud)).toBe(expected);
  });

  it("keeps Ubuntu security updates upstream", () => {
    const text = renderAptList("https://mirror.example/ubuntu/", "ubuntu", "noble");
    expect(text).toContain("deb https://mirror.example/ubuntu noble main restricted universe multiverse");
    expect(text).toContain("noble-security");
    expect(text).not.toContain("mirror.example/ubuntu noble-security");
  });

  it("reads the host's Debian archive from deb822 and one-line sources", () => {
    expect(parseDebianMirror("Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\n")).toBe(
      "http://m.example/debian",
    );
    expect(parseDebianMirror("deb [arch=amd64] http://m.example/debian bookworm main\n")).toBe(
      "http://m.example/debian",
    );
    expect(parseDebianMirror("URIs: http://m.example/debian-security\n")).toBeUndefined();
  });

  it("fails over to the next mirror and reports the one it left", async () => {
    const left: string[] = [];
    const result = await withMirrorFailover(
      [
        { ...daocloud, name: "a" },
        { ...daocloud, name: "b" },
      ],
      async (m) => {
        if (m.name === "a") throw new Error("apt-get failed");
        return m.name;
      },
      (from) => left.push(from.name),
    );
    expect(result).toMatchObject({ value: "b", mirror: { name: "b" } });
    expect(left).toEqual(["a"]);
    await expect(
      withMirrorFailover([daocloud], async () => Promise.reject(new Error("down"))),
    ).rejects.toThrow("down");
  });
});

describe("mirrorCandidates (mirrors catalog)", () => {
  it("a named provider renders its apt, npm and registry hosts, with upstream as the fallback", async () => {
    const [tuna, up] = await mirrorCandidates("tuna", "debian");
    expect(tuna?.name).toBe("tuna");
    expect(tuna?.apt).toMatch(/^https:\/\/.*\/debian$/);
    expect(up?.name).toBe("upstream");
    expect(up?.apt).toBeUndefined();
    const [dao] = await mirrorCandidates("daocloud", "ubuntu");
    expect(mirrorImageRef("docker.io/nvidia/cuda:12", dao as MirrorChoice)).toBe(
      "docker.m.daocloud.io/nvidia/cuda:12",
    );
  });

  it("refuses an unknown mirror with the known names in the hint", async () => {
    await expect(mirrorCandidates("no-such-mirror", "debian")).rejects.toMatchObject({
      hint: expect.stringContaining("tuna"),
    });
  });

  it("upstream leaves apt alone and keeps NuGet's own feed", async () => {
    const [up] = await mirrorCandidates("upstream", "debian");
    expect(up).toMatchObject({
      name: "upstream",
      nugetIndex: "https://api.nuget.org/v3/index.json",
      registryHosts: {},
    });
  });
});
