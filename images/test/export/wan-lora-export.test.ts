/**
 * `npm run export-model -- --lora FILE [--lora-scale S]` on a tiny Wan 2.1 folder, as a user runs
 * it: a LoRA in the original Wan/ComfyUI layout is fused into the transformer before export (the
 * exporter's own check then compares the ONNX graph with the fused module), and a missing file
 * stops the export at once with the file named. The fusion arithmetic itself: wan-lora.test.ts.
 */
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { wanPython } from "../../../runtime/test/support/wan-python.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";

const python = await wanPython();
const REPO = path.resolve(import.meta.dirname, "../../..");
const BUILDER = path.join(REPO, "runtime/test/real-model/parity/tiny_wan.py");
const LORA_CHECK_DIR = import.meta.dirname;

/** A LoRA over every attention and FFN layer of the folder's transformer (wan_lora_check's layout). */
const WRITE_LORA = `
import sys, torch
sys.path.insert(0, sys.argv[3])
from diffusers import WanTransformer3DModel
from safetensors.torch import save_file
import wan_lora_check as c
model = WanTransformer3DModel.from_pretrained(sys.argv[1], subfolder="transformer")
tensors, _ = c.random_lora(model, "original", torch.Generator().manual_seed(7))
save_file({k: v.contiguous() for k, v in tensors.items()}, sys.argv[2])
print(len(model.blocks))
`;

function exportModel(args: string[]) {
  return execa("npx", ["tsx", path.join(REPO, "scripts/export-model.ts"), ...args], {
    cwd: REPO,
    all: true,
    reject: false,
    env: { HF_HUB_OFFLINE: "1", PYTHONWARNINGS: "ignore" },
  });
}

describe.skipIf(!python)("export-model --lora (Wan)", () => {
  it("fuses the LoRA into the transformer before export, and refuses a missing file by name", {
    timeout: 900_000,
  }, async () => {
    const dir = tempDir("i2v-wan-lora-export-");
    const model = path.join(dir, "model");
    execFileSync(python as string, [BUILDER, "build", "--variant", "wan2.1", "--out", model], {
      env: { ...process.env, HF_HUB_OFFLINE: "1", PYTHONWARNINGS: "ignore" },
    });
    const lora = path.join(dir, "distilled.safetensors");
    const blocks = Number(
      execFileSync(python as string, ["-c", WRITE_LORA, model, lora, LORA_CHECK_DIR])
        .toString()
        .trim(),
    );
    expect(blocks).toBeGreaterThan(0);

    const missing = await exportModel([
      "--model-dir",
      model,
      "--out",
      path.join(dir, "missing"),
      "--no-fp16",
      "--lora",
      path.join(dir, "nope.safetensors"),
    ]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.all).toMatch(/--lora .*nope\.safetensors: LoRA file .* does not exist/);
    expect(missing.all).not.toMatch(/Traceback/);

    const out = path.join(dir, "export");
    const fused = await exportModel([
      "--model-dir",
      model,
      "--out",
      out,
      "--no-fp16",
      "--lora",
      lora,
      "--lora-scale",
      "0.5",
    ]);
    expect(fused.exitCode, fused.all).toBe(0);
    expect(fused.all).toMatch(/fused distilled\.safetensors into transformer at scale 0\.5/);
    const report = JSON.parse(await readFile(path.join(out, "export-report.json"), "utf8")) as {
      loras: { component: string; file: string; scale: number; layers: number }[];
      components: Record<string, { fp32: { ok: boolean } }>;
    };
    expect(report.loras).toHaveLength(1);
    expect(report.loras[0]).toMatchObject({
      component: "transformer",
      file: "distilled.safetensors",
      scale: 0.5,
    });
    expect(report.loras[0]?.layers).toBeGreaterThan(0);
    // The graph was checked against the fused module: a LoRA that did not reach it would still pass
    // here, which is why wan-lora.test.ts checks the fused weights themselves.
    expect(report.components.transformer?.fp32.ok).toBe(true);
  });
});
