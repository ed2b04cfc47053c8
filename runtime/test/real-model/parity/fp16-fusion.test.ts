import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { basePythonHasTorch } from "./base-python.ts";
import { type Built, buildParity, HERE } from "./harness.ts";

/**
 * The exporter's fp16 conversion keeps ONNX Runtime's fused attention, or fails saying why. On the
 * parity suite's tiny UNet (spatial and temporal attention, self and cross): the fp16 graph holds
 * com.microsoft MultiHeadAttention for every attention Softmax of the fp32 graph and no Softmax is
 * left. With the optimizer's attention fusion switched off, the conversion fails naming the reason;
 * --allow-unfused then converts and reports the attention as unfused.
 */
const available = basePythonHasTorch();

let built: Built;

async function check(args: string[]) {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "i2v-fusion-"));
  try {
    const { stdout } = await execa(
      built.python,
      [
        path.join(HERE, "fused_attention_check.py"),
        path.join(built.exportDir, "unet", "model.fp32.onnx"),
        scratch,
        ...args,
      ],
      { env: { PYTHONWARNINGS: "ignore" } },
    );
    return JSON.parse(stdout.trim().split("\n").pop() as string);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

describe.skipIf(!available)("fp16 UNet keeps ONNX Runtime's fused attention (tiny I2VGen-XL)", () => {
  // The parity suite's build, cached: shared with parity.test.ts.
  beforeAll(async () => {
    built = await buildParity((line) => console.log(`parity: ${line}`));
  }, 900_000);

  it("fuses every attention of the UNet into com.microsoft operators", async () => {
    const result = await check([]);
    const softmax = result.fp32_ops["ai.onnx:Softmax"] as number;
    expect(softmax).toBeGreaterThan(0);
    expect(result.error).toBeUndefined();
    expect(result.conversion).toBe("onnxruntime.transformers optimizer");
    const fused =
      (result.ops["com.microsoft:MultiHeadAttention"] ?? 0) + (result.ops["com.microsoft:Attention"] ?? 0);
    expect(fused).toBe(softmax);
    expect(result.ops["ai.onnx:Softmax"]).toBeUndefined();
    expect(result.info.attention).toEqual({ softmax_before: softmax, fused: softmax, unfused: 0 });
    expect(result.info.unfused_reason).toBeNull();
    expect(result.info.fused_operators.MultiHeadAttention).toBeGreaterThan(0);
  }, 600_000);

  it("fails naming the reason when attention is not fused; --allow-unfused records it", async () => {
    const result = await check(["--disable-attention-fusion"]);
    const softmax = result.fp32_ops["ai.onnx:Softmax"] as number;
    expect(result.error).toMatch(
      new RegExp(
        `unet: the fp16 graph would keep plain attention \\(${softmax} of ${softmax} attention Softmax`,
      ),
    );
    expect(result.error).toMatch(/--allow-unfused/);
    expect(result.allowed.ops["ai.onnx:Softmax"]).toBe(softmax);
    expect(result.allowed.ops["com.microsoft:MultiHeadAttention"]).toBeUndefined();
    expect(result.allowed.info.unfused_reason).toMatch(/left unfused/);
  }, 900_000);
});
