import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { MemorySink } from "../../runtime/src/pipeline/frame-sink.ts";
import { generate } from "../../runtime/src/pipeline/generate.ts";
import { LoadedModel } from "../../runtime/src/pipeline/model.ts";
import { HERE } from "../../runtime/test/real-model/parity/harness.ts";
import {
  buildWanParity,
  WAN_CASES,
  wanCaseNoise,
  wanCaseParams,
} from "../../runtime/test/real-model/parity/wan-harness.ts";
import { wanPython } from "../../runtime/test/support/wan-python.ts";
import { type BenchSuite, figure } from "../types.ts";

// Wan against diffusers (not CI): our pipeline vs WanImageToVideoPipeline (0.42.1, torch 2.9.1) on
// the parity suite's tiny Wan 2.1 and its first case (same request, same latents, both warm, CPU),
// and the tiny export's time. With I2V_BENCH_WAN_FULL=1 (about 12 GB of RAM, minutes): one step of
// the 1.3B-class transformer, ORT against torch, and its export (bench/real-model/wan_full_step.py).
const REPEATS = 3;

export const suite: BenchSuite = {
  name: "wan",
  async run({ log }) {
    const python = await wanPython();
    if (!python)
      throw new Error("no Wan exporter environment: npm run export-model -- --print-python --family wan");
    const built = await buildWanParity(python, log);
    const c = WAN_CASES[0]!;
    const model = await LoadedModel.load(built.exportDir(c.variant), { provider: "cpu" });
    const image = await readFile(path.join(built.caseDir(c.name), "image.png"));
    const params = wanCaseParams(c);
    const ours: number[] = [];
    for (let i = 0; i <= REPEATS; i++) {
      const t = performance.now();
      await generate(model.sessions, model.tokenizer, params, image, new MemorySink(), {
        initLatents: wanCaseNoise(c).data,
      });
      if (i > 0) ours.push((performance.now() - t) / 1000);
    }
    await model.release();
    const { stdout } = await execa(
      python,
      [
        path.join(HERE, "tiny_wan.py"),
        "time",
        "--model",
        built.modelDir(c.variant),
        "--cases",
        path.join(built.root, `cases-${c.variant}.json`),
        "--repeats",
        String(REPEATS),
      ],
      { env: { PYTHONWARNINGS: "ignore" } },
    );
    const reference = JSON.parse(stdout.trim().split("\n").pop() as string) as { seconds: number };
    const oursMedian = ours.sort((a, b) => a - b)[Math.floor(ours.length / 2)] as number;
    log(`ours ${oursMedian.toFixed(3)} s, diffusers ${reference.seconds.toFixed(3)} s`);
    const report = JSON.parse(
      await readFile(path.join(built.exportDir(c.variant), "export-report.json"), "utf8"),
    ) as { seconds: number };
    const full = process.env.I2V_BENCH_WAN_FULL === "1" ? await fullStep(python, log) : [];
    return [
      ...full,
      figure({
        name: "tiny Wan 2.1: our pipeline / diffusers wall time",
        value: oursMedian / reference.seconds,
        unit: "x",
        target: 0.5,
        better: "lower",
        how: `parity case ${c.name} (${c.width}x${c.height}, ${c.frames} frames, ${c.steps} UniPC steps, guidance ${c.guidance}), CPU, median of ${REPEATS} warm runs each, WanImageToVideoPipeline 0.42.1 on torch 2.9.1`,
      }),
      figure({
        name: "tiny Wan 2.1 export time",
        value: report.seconds,
        unit: "s",
        target: null,
        better: "lower",
        how: "npm run export-model -- --no-fp16 on the parity model (export-report.json seconds; includes the whole-clip VAE check at 5-81 frames)",
      }),
    ];
  },
};

async function fullStep(python: string, log: (line: string) => void) {
  const out = await mkdtemp(path.join(os.tmpdir(), "i2v-wan-full-"));
  try {
    const { stdout } = await execa(
      python,
      [path.join(import.meta.dirname, "..", "real-model", "wan_full_step.py"), "--out", out],
      { env: { PYTHONWARNINGS: "ignore" } },
    );
    const r = JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, number>;
    log(`1.3B-class step: torch ${r.torch_step_s} s, ORT ${r.ort_step_s} s, export ${r.export_s} s`);
    const setting = `Wan2.1 1.3B config (dim 1536, 30 layers, 12 heads, ${(r.parameters! / 1e9).toFixed(2)} B parameters), random weights, fp32, ${r.tokens} latent tokens + 512 text, CPU, ${r.threads} threads`;
    return [
      figure({
        name: "Wan 1.3B-class transformer step: ORT / torch",
        value: r.ort_step_s! / r.torch_step_s!,
        unit: "x",
        target: 1.0,
        better: "lower",
        how: `${setting}; median of 3 steps each (max abs difference ${r.max_abs_error!.toExponential(1)})`,
      }),
      figure({
        name: "Wan 1.3B-class transformer export time",
        value: r.export_s!,
        unit: "s",
        target: null,
        better: "lower",
        how: `${setting}; export_wan.export_fp32 (TorchScript exporter, external data)`,
      }),
      figure({
        name: "Wan 1.3B-class transformer export peak RSS",
        value: r.peak_rss_export_gib!,
        unit: "GiB",
        target: null,
        better: "lower",
        how: `${setting}; the process's peak resident memory at the end of the export (the model alone: ${r.peak_rss_before_export_gib!.toFixed(1)} GiB)`,
      }),
    ];
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
