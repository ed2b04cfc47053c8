/**
 * The exporter's own export code (export_i2vgen_xl.py: samples, export_fp32, dynamic axes, external
 * data, the adaptive-pool and repeat_interleave replacements) run by torch.onnx on tiny modules with
 * I2VGen-XL's signature, then checked here with onnxruntime-node at a shape other than the traced
 * one, and served by the unchanged runtime. Needs a python3 with torch and onnx (Debian's
 * python3-torch works; set I2V_TORCH_PYTHON to choose one); skipped, saying so, where there is none.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { MemorySink } from "../../../runtime/src/pipeline/frame-sink.ts";
import { generate } from "../../../runtime/src/pipeline/generate.ts";
import { LoadedModel } from "../../../runtime/src/pipeline/model.ts";
import { resolveParams } from "../../../runtime/src/pipeline/params.ts";
import { writeFakeSnapshot } from "../../../runtime/test/real-model/twin-model.ts";
import { validateExportedModel } from "../../src/export/validate.ts";

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, "torch_twin.py");
const COMPONENTS = ["text_encoder", "image_encoder", "vae_encoder", "unet", "vae_decoder"] as const;

/** The first python3 that can import torch and onnx, or undefined. */
function torchPython(): string | undefined {
  const candidates = [process.env.I2V_TORCH_PYTHON, "python3", "/usr/bin/python3"].filter(
    Boolean,
  ) as string[];
  return candidates.find((python) => {
    try {
      execFileSync(python, ["-c", "import torch, onnx"], { stdio: "ignore", timeout: 60_000 });
      return true;
    } catch {
      return false;
    }
  });
}

const python = torchPython();
const required = (process.env.I2V_REQUIRE ?? "").split(",");
if (!python && (required.includes("all") || required.includes("torch")))
  throw new Error(
    "python3 with torch and onnx is required (I2V_REQUIRE); apt install python3-torch python3-onnx",
  );
if (!python)
  console.warn(
    "torch-twin: skipped, no python3 with torch and onnx (apt install python3-torch python3-onnx)",
  );

interface Probe {
  inputs: { file: string; type: "int64" | "float32"; shape: number[] }[];
  output: { file: string; type: "float32"; shape: number[] };
}

async function tensorFrom(dir: string, entry: Probe["inputs"][number]): Promise<ort.Tensor> {
  const bytes = await readFile(path.join(dir, entry.file));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return entry.type === "int64"
    ? new ort.Tensor("int64", new BigInt64Array(buffer), entry.shape)
    : new ort.Tensor("float32", new Float32Array(buffer), entry.shape);
}

describe.skipIf(!python)("exporter code on torch modules with I2VGen-XL's signature", () => {
  let out: string;
  let report: { pool_max_abs_error: number; pools_replaced: number; torch: string };

  beforeAll(async () => {
    const snapshot = await mkdtemp(path.join(os.tmpdir(), "i2v-snapshot-"));
    await writeFakeSnapshot(snapshot);
    out = await mkdtemp(path.join(os.tmpdir(), "i2v-torch-twin-"));
    await run(python as string, [SCRIPT, snapshot, out], {
      timeout: 240_000,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
    });
    report = JSON.parse(await readFile(path.join(out, "torch-twin.json"), "utf8"));
  }, 300_000);

  it("the exportable adaptive pool matches nn.AdaptiveAvgPool2d and replaced the UNet's", () => {
    expect(report.pools_replaced).toBe(1);
    expect(report.pool_max_abs_error).toBeLessThan(1e-5);
  });

  it.each(COMPONENTS)(
    "%s: the ONNX file matches the torch module at a shape other than the traced one",
    async (name) => {
      const probes = path.join(out, "probes");
      const probe = JSON.parse(await readFile(path.join(probes, `${name}.json`), "utf8")) as Probe;
      const session = await ort.InferenceSession.create(path.join(out, name, "model.fp32.onnx"));
      try {
        const feeds: Record<string, ort.Tensor> = {};
        for (const [i, inputName] of session.inputNames.entries())
          feeds[inputName] = await tensorFrom(probes, probe.inputs[i]!);
        const result = (await session.run(feeds))[session.outputNames[0]!]!;
        expect(result.dims).toEqual(probe.output.shape);
        const expected = (await tensorFrom(probes, probe.output)).data as Float32Array;
        const actual = result.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < expected.length; i++)
          worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
        expect(worst).toBeLessThan(1e-4);
      } finally {
        await session.release();
      }
    },
  );

  it("the runtime accepts the torch-exported model and generates from it", async () => {
    expect(await validateExportedModel(out)).toEqual({ ok: true, variants: { fp32: [] } });
    const model = await LoadedModel.load(out, { intraOpThreads: 2, variant: "fp32" });
    try {
      const params = resolveParams(
        { prompt: "a cat", preset: "quick", resolution: 128, num_frames: 3, num_inference_steps: 2, seed: 3 },
        { negative_prompt: "", scheduler: "ddim" },
      );
      const sink = new MemorySink();
      const image = await readFile(path.resolve(import.meta.dirname, "../../../test/fixtures/astronaut.png"));
      const result = await generate(model.sessions, model.tokenizer, params, image, sink);
      expect(result).toMatchObject({ width: 128, height: 128, frames: 3 });
      expect(sink.frames).toHaveLength(3);
    } finally {
      await model.release();
    }
  });
});
