/**
 * A model exported with --allow-unfused records the components whose fp16 graph kept plain
 * attention in its manifest; the runtime warns when such a model is loaded on a GPU provider.
 */
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import { I2vError } from "../../src/errors.ts";
import { loadManifest } from "../../src/pipeline/manifest.ts";
import { unfusedAttentionWarning } from "../../src/pipeline/model.ts";
import { tempDir } from "../support/demo.ts";

let demoDir: string;
beforeAll(async () => {
  demoDir = await ensureDemoModel(tempDir());
});

async function modelWith(unfused: unknown): Promise<string> {
  const dir = path.join(tempDir("i2v-unfused-"), "model");
  await cp(demoDir, dir, { recursive: true });
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8"));
  manifest.fp16_unfused_attention = unfused;
  await writeFile(file, JSON.stringify(manifest));
  return dir;
}

describe("fp16 models with unfused attention", () => {
  it("warns on a GPU provider with the fp16 variant, naming the components and the flag", async () => {
    const loaded = await loadManifest(await modelWith(["unet", "image_encoder"]));
    expect(loaded.manifest.fp16_unfused_attention).toEqual(["unet", "image_encoder"]);
    const fp16 = { ...loaded, variant: "fp16" as const };
    const warning = unfusedAttentionWarning(fp16, "cuda");
    expect(warning).toMatch(/fp16 unet, image_encoder kept plain attention/);
    expect(warning).toMatch(/--allow-unfused/);
    expect(unfusedAttentionWarning(fp16, "tensorrt")).toMatch(/on tensorrt it can run out of GPU memory/);
  });

  it("stays quiet on the CPU, for the fp32 variant and for fused models", async () => {
    const loaded = await loadManifest(await modelWith(["unet"]));
    expect(unfusedAttentionWarning({ ...loaded, variant: "fp16" }, "cpu")).toBeUndefined();
    expect(unfusedAttentionWarning({ ...loaded, variant: "fp32" }, "cuda")).toBeUndefined();
    const fused = await loadManifest(await modelWith([]));
    expect(unfusedAttentionWarning({ ...fused, variant: "fp16" }, "cuda")).toBeUndefined();
    const older = await loadManifest(demoDir);
    expect(unfusedAttentionWarning({ ...older, variant: "fp16" }, "cuda")).toBeUndefined();
  });

  it("refuses a component name the runtime does not know", async () => {
    await expect(loadManifest(await modelWith(["unet_typo"]))).rejects.toSatisfy(
      (e) => e instanceof I2vError && String(e.details?.problems).includes("fp16_unfused_attention"),
    );
  });
});
