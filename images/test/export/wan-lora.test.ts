/**
 * images/export/wan_lora.py (the exporter's `--lora FILE --lora-scale S`) on a tiny
 * WanTransformer3DModel, in the Wan env: a LoRA in the original Wan/ComfyUI layout (alpha, diff_b)
 * and one in diffusers/peft's, each fused and compared parameter by parameter with
 * W + scale * (alpha/rank) * up @ down (b + scale * diff_b), by wan_lora_check.py.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { wanPython } from "../../../runtime/test/support/wan-python.ts";

const python = await wanPython();
const CHECK = path.join(import.meta.dirname, "wan_lora_check.py");

interface Result {
  format: string;
  scale: number;
  layers: number;
  expected_layers: number;
  fused_params: number;
  worst_changed: number;
  worst_unchanged: number;
  output_change: number;
  lora_layers_left: number;
  keys_after: boolean;
}

describe.skipIf(!python)("Wan LoRA fusion", () => {
  it("equals the manual W + scale * B @ A for both published layouts, and refuses what is not a LoRA", {
    timeout: 300_000,
  }, () => {
    const out = execFileSync(python as string, [CHECK], { timeout: 300_000 })
      .toString()
      .trim()
      .split("\n");
    const report = JSON.parse(out[out.length - 1] as string) as {
      results: Result[];
      bad_file_error: string | null;
      missing_file_error: string | null;
    };
    expect(report.results.map((r) => r.format)).toEqual(["original", "peft"]);
    for (const r of report.results) {
      // Every targeted layer fused, no LoRA module left, the state dict keys of the plain model.
      expect(r.layers, r.format).toBe(r.expected_layers);
      expect(r.lora_layers_left, r.format).toBe(0);
      expect(r.keys_after, r.format).toBe(true);
      expect(r.worst_changed, `${r.format}: fused weights against the manual sum`).toBeLessThan(1e-6);
      expect(r.worst_unchanged, `${r.format}: weights the LoRA does not touch`).toBe(0);
      expect(r.output_change, `${r.format}: the fused weights reach the output`).toBeGreaterThan(1e-3);
    }
    // The original layout carries biases (diff_b): twice the fused parameters.
    expect(report.results[0]?.fused_params).toBe(2 * (report.results[1]?.fused_params ?? 0));
    expect(report.bad_file_error).toMatch(/is not a LoRA diffusers can read for Wan/);
    expect(report.missing_file_error).toMatch(/does not exist/);
  });
});
