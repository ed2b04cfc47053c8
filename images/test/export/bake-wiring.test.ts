/**
 * `npm run bake-image -- --model <I2VGen-XL diffusers folder>`: the bake's Weights stage sends such
 * a folder through the export stage (an `i2v-export/...` image) instead of copying it as weights.
 * The client records builds; the export build itself needs PyPI and the weights (not here).
 */
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFakeSnapshot } from "../../../runtime/test/real-model/twin-model.ts";
import { type BakeState, bakeStages } from "../../src/bake.ts";
import type { DockerClient } from "../../src/docker-client.ts";

function recordingClient() {
  const builds: { tag: string; dockerfile: string }[] = [];
  const client = {
    async build(contextDir: string, options: { tag: string }) {
      await readdir(contextDir);
      builds.push({
        tag: options.tag,
        dockerfile: await readFile(path.join(contextDir, "Dockerfile"), "utf8"),
      });
      return { imageId: "sha256:x", log: undefined as never };
    },
    async inspect() {
      return undefined;
    },
  } as unknown as DockerClient;
  return { client, builds };
}

async function weightsStage(modelDir: string) {
  const { client, builds } = recordingClient();
  const stage = bakeStages(client).find((s) => s.title === "Weights");
  if (!stage) throw new Error("no Weights stage");
  const state = {
    options: { model: modelDir, weights: "baked", mirror: "upstream", projectDir: process.cwd() },
    cacheDir: await mkdtemp(path.join(os.tmpdir(), "i2v-bake-")),
    timings: {},
  } as unknown as BakeState;
  await stage.run(state);
  return { state, builds };
}

describe("bake Weights stage", () => {
  it("exports a diffusers I2VGen-XL folder through the export stage", async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "i2v-hf-")), "i2vgen-xl");
    await writeFakeSnapshot(dir);
    const { state, builds } = await weightsStage(dir);
    expect(state.weightsImage).toMatch(/^i2v-export\//);
    expect(builds).toHaveLength(1);
    expect(builds[0]?.dockerfile).toMatch(/export_i2vgen_xl\.py/);
  });

  it("copies a folder that already holds an exported model as plain weights", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-exported-"));
    await writeFile(path.join(dir, "manifest.json"), "{}");
    const { state } = await weightsStage(dir);
    expect(state.weightsImage).toMatch(/^i2v-weights\//);
  });
});
