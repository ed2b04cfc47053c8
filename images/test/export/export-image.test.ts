/**
 * ensureExportImage's own decisions: which folders need an export, what goes into the build
 * context, and that an existing export (same cache key) is reused instead of rebuilt. The client
 * records calls; building the real stage needs PyPI and the weights, which this machine lacks.
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../../mirrors/src/index.ts";
import { writeFakeSnapshot } from "../../../runtime/test/real-model/twin-model.ts";
import type { DockerClient, ImageFacts } from "../../src/docker-client.ts";
import { ensureExportImage, needsExport } from "../../src/export/export-image.ts";

const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));

/** Records builds and what each context held; `existing` tags answer inspect. */
function recordingClient(existing: string[] = []) {
  const builds: { tag: string; dockerfile: string; files: string[] }[] = [];
  const client = {
    async build(contextDir: string, options: { tag: string }) {
      const files = (await readdir(contextDir, { recursive: true })).map(String).sort();
      builds.push({
        tag: options.tag,
        dockerfile: await readFile(path.join(contextDir, "Dockerfile"), "utf8"),
        files,
      });
      return { imageId: "sha256:x", log: undefined as never };
    },
    async inspect(ref: string) {
      return existing.includes(ref)
        ? ({ id: "sha256:y", tags: [ref], size: 1 } as unknown as ImageFacts)
        : undefined;
    },
  } as unknown as DockerClient;
  return { client, builds };
}

let snapshot: string;
beforeAll(async () => {
  const root = await tmp("i2v-hf-");
  snapshot = path.join(root, "models--ali-vilab--i2vgen-xl", "snapshots", "c".repeat(40));
  await writeFakeSnapshot(snapshot);
});

const model = () => ({
  kind: "folder" as const,
  ref: "ali-vilab/i2vgen-xl",
  dir: snapshot,
  slug: "i2vgen-xl",
  digest: "d".repeat(64),
  bytes: 0,
});

describe("ensureExportImage", () => {
  it("exports a diffusers I2VGen-XL folder, not a folder that already has a manifest", async () => {
    expect(await needsExport(snapshot)).toBe(true);
    const exported = await tmp("i2v-exported-");
    await writeFile(path.join(exported, "manifest.json"), "{}");
    expect(await needsExport(exported)).toBe(false);
  });

  it("stages the exporter, the mirror's pip.conf and the weights, and tags by cache key", async () => {
    const { client, builds } = recordingClient();
    const tag = await ensureExportImage(client, model(), {
      catalog: await loadCatalog(),
      mirror: "aliyun",
      workDir: await tmp("i2v-work-"),
    });
    expect(tag).toMatch(/^i2v-export\/i2vgen-xl:[0-9a-f]{16}$/);
    expect(builds).toHaveLength(1);
    const { files, dockerfile } = builds[0]!;
    for (const f of [
      "export/export_i2vgen_xl.py",
      "export/i2v_manifest.py",
      "mirror/pip.conf",
      "model/unet/config.json",
      "model/tokenizer/tokenizer.json",
    ])
      expect(files).toContain(f);
    expect(dockerfile).toContain(`--revision ${"c".repeat(40)}`);
    expect(dockerfile).toContain("COPY mirror/pip.conf /etc/pip.conf");
  });

  it("does not export again when the image for this key exists", async () => {
    const first = recordingClient();
    const options = { catalog: await loadCatalog(), mirror: "aliyun", workDir: await tmp("i2v-work-") };
    const tag = await ensureExportImage(first.client, model(), options);
    const second = recordingClient([tag]);
    expect(await ensureExportImage(second.client, model(), options)).toBe(tag);
    expect(second.builds).toHaveLength(0);
    const changed = recordingClient([tag]);
    const other = await ensureExportImage(changed.client, { ...model(), digest: "e".repeat(64) }, options);
    expect(other).not.toBe(tag);
    expect(changed.builds).toHaveLength(1);
  });
});
