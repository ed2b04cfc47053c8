import { describe, expect, it } from "vitest";
import { HttpStatusError, withMirrorFailover } from "../../../mirrors/src/index.ts";
import { BuildStepError } from "../../src/build-log.ts";
import { parseDebianMirror } from "../../src/debian-base.ts";
import {
  isBakeMirrorFault,
  type MirrorChoice,
  mirrorCandidates,
  mirrorImageRef,
  renderAptList,
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

  it("fails over to the next mirror on a mirror's fault and reports the one it left", async () => {
    const left: string[] = [];
    const aptStep = {
      instruction: "RUN set -eux; apt-get update",
      index: 3,
      total: 9,
      cached: false,
      output: [],
    };
    const result = await withMirrorFailover(
      [
        { ...daocloud, name: "a" },
        { ...daocloud, name: "b" },
      ],
      async (m) => {
        if (m.name === "a") throw new BuildStepError(aptStep, "apt-get failed");
        return m.name;
      },
      { retryOn: isBakeMirrorFault, onAttempt: (a) => a.ok || left.push(a.mirror.name) },
    );
    expect(result).toMatchObject({ value: "b", mirror: { name: "b" } });
    expect(left).toEqual(["a"]);
    await expect(
      withMirrorFailover([daocloud], async () => Promise.reject(new Error("down")), {
        retryOn: isBakeMirrorFault,
      }),
    ).rejects.toThrow("down");
  });

  it("does not try the next mirror for a failure every mirror would repeat", async () => {
    const step = (instruction: string) => ({ instruction, index: 1, total: 9, cached: false, output: [] });
    const mirrorFaults = [
      new BuildStepError(step("FROM docker.m.daocloud.io/library/debian:bookworm"), "pull access denied"),
      new BuildStepError(step("RUN set -eux; apt-get update; apt-get install -y ffmpeg"), "returned 100"),
      new BuildStepError(step("RUN set -eux; node /opt/npm/bin/npm-cli.js ci --omit=dev"), "returned 1"),
      new HttpStatusError("https://m.example/index.json", 503),
      Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
    ];
    const bugs = [
      new BuildStepError(step("COPY app/ /app/"), "no such file or directory"),
      new BuildStepError(step("RUN set -eux; node --version; useradd --system i2v"), "returned 1"),
      new BuildStepError(undefined, "dockerfile parse error line 3: unknown instruction: RUNN"),
      new Error("Cannot read properties of undefined (reading 'tag')"),
    ];
    expect(mirrorFaults.map(isBakeMirrorFault)).toEqual(mirrorFaults.map(() => true));
    expect(bugs.map(isBakeMirrorFault)).toEqual(bugs.map(() => false));
    let tries = 0;
    await expect(
      withMirrorFailover(
        [daocloud, { ...daocloud, name: "upstream" }],
        async () => {
          tries++;
          throw bugs[0];
        },
        { retryOn: isBakeMirrorFault },
      ),
    ).rejects.toBe(bugs[0]);
    expect(tries).toBe(1);
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

  it("a provider that serves PyPI gives the GPU image's pip its index; upstream leaves pip's own", async () => {
    const [tuna, up] = await mirrorCandidates("tuna", "debian");
    expect(tuna?.pypiIndex).toMatch(/^https:\/\/.*\/simple$/);
    expect(up?.pypiIndex).toBeUndefined();
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
