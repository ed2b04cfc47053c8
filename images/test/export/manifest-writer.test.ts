/**
 * The exporter's manifest writer (images/export/i2v_manifest.py, standard library only) run by
 * python3 on a fake I2VGen-XL snapshot (the real config files' values, no weights), then checked by
 * the runtime: its manifest loads, and with signature-twin graphs in place of the ONNX files the
 * unchanged pipeline generates from it. The exporter itself needs torch and diffusers: not run here.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { MemorySink } from "../../../runtime/src/pipeline/frame-sink.ts";
import { generate } from "../../../runtime/src/pipeline/generate.ts";
import type { I2vgenManifest as Manifest } from "../../../runtime/src/pipeline/manifest.ts";
import { LoadedModel } from "../../../runtime/src/pipeline/model.ts";
import { resolveParams } from "../../../runtime/src/pipeline/params.ts";
import {
  I2VGENXL_SCHEDULER_CONFIG,
  I2VGENXL_VAE_CONFIG,
} from "../../../runtime/test/real-model/i2vgen-xl-config.ts";
import { writeFakeSnapshot, writeTwinGraphs } from "../../../runtime/test/real-model/twin-model.ts";
import { EXPORT_DIR } from "../../src/export/pins.ts";
import { validateExportedModel } from "../../src/export/validate.ts";

const run = promisify(execFile);
const WRITER = path.join(EXPORT_DIR, "i2v_manifest.py");
const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));

async function writeManifest(snapshot: string, out: string, ...args: string[]): Promise<Manifest> {
  await run("python3", [WRITER, snapshot, out, ...args]);
  return JSON.parse(await readFile(path.join(out, "manifest.json"), "utf8")) as Manifest;
}

let snapshot: string;
let out: string;
let manifest: Manifest & { memory_note?: string };

beforeAll(async () => {
  snapshot = await tmp("i2v-snapshot-");
  await writeFakeSnapshot(snapshot);
  out = await tmp("i2v-export-");
  manifest = await writeManifest(snapshot, out, "--revision", "f".repeat(40));
});

describe("exporter scripts", () => {
  it("are valid Python (py_compile; torch and diffusers are not installed here)", async () => {
    const cache = await tmp("i2v-pyc-");
    for (const file of ["export_i2vgen_xl.py", "i2v_manifest.py"]) {
      const code = `import py_compile; py_compile.compile(${JSON.stringify(path.join(EXPORT_DIR, file))}, cfile=${JSON.stringify(path.join(cache, `${file}c`))}, doraise=True)`;
      await expect(run("python3", ["-c", code])).resolves.toBeDefined();
    }
  });
});

describe("manifest written by the exporter", () => {
  it("takes the model's facts from its config files", () => {
    expect(manifest.format).toBe("i2v-manifest/1");
    expect(manifest.latent).toEqual({
      channels: 4,
      vae_scale_factor: 8,
      scaling_factor: I2VGENXL_VAE_CONFIG.scaling_factor,
      size_multiple: 64,
      frame_conditioning: "first_frame_then_position_planes",
    });
    expect(manifest.scheduler).toEqual({ default: "ddim", config: I2VGENXL_SCHEDULER_CONFIG });
    expect(manifest.guidance).toEqual({ negative_image_embedding: "zeros" });
    expect(manifest.image_encoder.size).toBe(224);
    // CLIP's tokenizer.json adds start and end tokens itself (RobertaProcessing): none added twice.
    expect(manifest.tokenizer).toEqual({
      file: "tokenizer/tokenizer.json",
      max_length: 77,
      pad_id: 0,
      bos_id: null,
      eos_id: null,
    });
  });

  it("keeps the VAE fp32 in the fp16 variant and marks the memory table as estimates", () => {
    expect(manifest.components.vae_decoder.files).toEqual({
      fp32: "vae_decoder/model.fp32.onnx",
      fp16: "vae_decoder/model.fp32.onnx",
    });
    expect(manifest.components.unet.files.fp16).toBe("unet/model.fp16.onnx");
    expect(manifest.memory_note).toMatch(/estimates/);
    expect(manifest.description).toMatch(/estimates.*observed peaks/);
    expect(manifest.memory.fp16?.fixed_mb).toBeGreaterThan(0);
  });

  it("records components exported with --allow-unfused (none by default) in a field the runtime reads", async () => {
    expect((manifest as { fp16_unfused_attention?: string[] }).fp16_unfused_attention).toEqual([]);
    const unfusedOut = await tmp("i2v-export-");
    const written = await writeManifest(snapshot, unfusedOut, "--unfused-attention", "unet,image_encoder");
    expect(written.fp16_unfused_attention).toEqual(["unet", "image_encoder"]);
    const fp32Only = await writeManifest(snapshot, await tmp("i2v-export-"), "--variants", "fp32");
    expect(fp32Only).not.toHaveProperty("fp16_unfused_attention");
  });

  it("follows the config, never a constant: another scaling factor gives another manifest", async () => {
    const other = await tmp("i2v-snapshot-");
    await writeFakeSnapshot(other);
    await writeFile(
      path.join(other, "vae", "config.json"),
      JSON.stringify({
        ...I2VGENXL_VAE_CONFIG,
        scaling_factor: 0.18215,
        block_out_channels: [128, 256, 512],
      }),
    );
    const written = await writeManifest(other, await tmp("i2v-export-"));
    expect(written.latent).toMatchObject({ scaling_factor: 0.18215, vae_scale_factor: 4, size_multiple: 32 });
  });

  it("fails with the missing file's path when the folder is not an I2VGen-XL pipeline", async () => {
    const empty = await tmp("i2v-snapshot-");
    await writeFakeSnapshot(empty);
    await rm(path.join(empty, "vae", "config.json"));
    const failed = run("python3", [WRITER, empty, await tmp("i2v-export-")]);
    await expect(failed).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/vae\/config\.json: missing/),
    });
  });

  it("is refused by the runtime until the ONNX files exist, naming each missing one", async () => {
    const result = await validateExportedModel(out);
    expect(result.ok).toBe(false);
    expect(result.variants.fp32).toContain("components.unet.files.fp32: missing file unet/model.fp32.onnx");
  });

  it("is accepted by the runtime's loader for both variants once the components exist", async () => {
    await writeTwinGraphs(out, manifest);
    expect(await validateExportedModel(out)).toEqual({ ok: true, variants: { fp32: [], fp16: [] } });
  });

  it("drives the unchanged pipeline end to end (signature-twin graphs in place of the exports)", async () => {
    await writeTwinGraphs(out, manifest);
    const model = await LoadedModel.load(out, { intraOpThreads: 2, variant: "fp32" });
    try {
      const params = resolveParams(
        { prompt: "a cat", preset: "quick", resolution: 64, num_frames: 3, num_inference_steps: 2, seed: 1 },
        { negative_prompt: "", scheduler: model.manifest.scheduler.default },
      );
      const sink = new MemorySink();
      const image = await readFile(path.resolve(import.meta.dirname, "../../../test/fixtures/astronaut.png"));
      const result = await generate(model.sessions, model.tokenizer, params, image, sink);
      expect(result).toMatchObject({ width: 64, height: 64, frames: 3 });
      expect(sink.frames.map((f) => f.length)).toEqual([64 * 64 * 3, 64 * 64 * 3, 64 * 64 * 3]);
    } finally {
      await model.release();
    }
  });
});
