import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { COMPONENT_ROLES, type ComponentName, loadManifest } from "../../runtime/src/pipeline/manifest.ts";
import { readNpyFloat32 } from "../../runtime/src/pipeline/npy.ts";
import { chooseProvider } from "../../runtime/src/pipeline/providers.ts";
import { fillNormal } from "../../runtime/src/pipeline/random.ts";
import { runtimeOptionsSchema } from "../../runtime/src/pipeline/runtime-options.ts";
import { createSession } from "../../runtime/src/pipeline/sessions.ts";
import { caseImage, npyFloat32 } from "../../runtime/test/real-model/parity/harness.ts";
import { type BenchSuite, type Figure, figure } from "../types.ts";

// I2VGen-XL at the published sizes with random weights, on the CPU (not CI; ~14 GiB free memory).
//   I2V_BENCH_FULL_SIZE=DIR npm run bench -- --only=full-size
// Steps run strictly one at a time, each waiting for enough free memory, and each writes its record
// to DIR/records/<step>.json: a rerun resumes where it stopped (delete DIR/records to start over).
// 1. build the pipeline folder; 2. export each component in its own process (peak RSS each);
// 3. one UNet step through our session code and through torch, interleaved; 4. one generation
// through `npm run generate` and through diffusers' I2VGenXLPipeline from the same noise;
// 5. the whole model's load against reading its files; 6. (I2V_BENCH_FULL_FP16=1) the fp16 UNet.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const SCRIPT = path.join(REPO, "bench", "real-model", "full_size.py");
const REFERENCE = path.join(REPO, "runtime", "test", "real-model", "parity", "tiny_i2vgen.py");
const ROUNDS = Number(process.env.I2V_BENCH_FULL_ROUNDS ?? 5);
/** The generation: a 16x16 latent (128 px at full size), 4 frames, 2 DDIM steps, guidance on (batch 2). */
const CASE = { latent: 16, side: 128, frames: 4, steps: 2, guidance: 9, fps: 16, prompt: "a cat walking" };
const GIB = 2 ** 30;

export const suite: BenchSuite = {
  name: "full-size",
  keepsUnmeasured: true,
  async run({ log }) {
    const dir = process.env.I2V_BENCH_FULL_SIZE;
    if (!dir) {
      log(
        "skipped: set I2V_BENCH_FULL_SIZE=DIR (about 14 GiB free memory, 21 GiB with I2V_BENCH_FULL_FP16=1, 30 GB of disk, an hour or more)",
      );
      return [];
    }
    const run = new FullSizeRun(path.resolve(dir), log);
    return run.all();
  },
};

interface ExportRecord {
  component: string;
  export_s: number;
  export_peak_rss_mb: number;
  peak_rss_mb: number;
  bytes: number;
  check?: { max_abs_error: number; ok: boolean };
}

class FullSizeRun {
  readonly model: string;
  readonly export: string;
  private python = "";
  private unetStepRecord: StepRecord | undefined;
  private readonly only = process.env.I2V_BENCH_FULL_STEPS?.split(",");

  constructor(
    readonly dir: string,
    readonly log: (line: string) => void,
  ) {
    this.model = path.join(dir, "model");
    this.export = path.join(dir, "export");
  }

  async all(): Promise<Figure[]> {
    const started = performance.now();
    this.python = (
      await execa("npx", ["tsx", path.join(REPO, "scripts", "export-model.ts"), "--print-python"])
    ).stdout
      .trim()
      .split("\n")
      .pop() as string;
    // The UNet first: its step against torch needs only the UNet. I2V_BENCH_FULL_STEPS=a,b runs
    // only the named steps (the others' cached records still count); a step not run gives no figure.
    await this.step("build", 12, () => this.py(["build", "--out", this.model]));
    const exports: ExportRecord[] = [];
    for (const name of ["unet", "text_encoder", "image_encoder", "vae_encoder", "vae_decoder"]) {
      const record = await this.step<ExportRecord>(`export-${name}`, name === "unet" ? 13 : 6, () =>
        this.py(["export", name, "--model", this.model, "--out", this.export]),
      );
      if (record) exports.push(record);
      if (name === "unet") this.unetStepRecord = await this.step("unet-step", 13, () => this.unetStep());
    }
    await this.step("manifest", 2, () => this.py(["manifest", "--model", this.model, "--out", this.export]));
    const generation = await this.step("generation", 12, () => this.generation());
    const load = await this.step("load", 12, () => this.load());
    const fp16 = process.env.I2V_BENCH_FULL_FP16
      ? await this.step("fp16", 20, () => this.py(["fp16", "--out", this.export]))
      : undefined;
    this.log(
      `full-size run: ${((performance.now() - started) / 1000).toFixed(0)} s in this process (cached steps cost nothing)`,
    );
    return figures(exports, this.unetStepRecord, generation, load, fp16);
  }

  /** VAE factor and cross-attention width, from the model's configs (8 and 1024 at full size). */
  private async dims() {
    const read = async (c: string) =>
      JSON.parse(await readFile(path.join(this.model, c, "config.json"), "utf8"));
    const vae = await read("vae");
    return {
      factor: 2 ** (vae.block_out_channels.length - 1),
      dim: (await read("unet")).cross_attention_dim as number,
    };
  }

  /** One step, its record cached in DIR/records; waits for `gib` of available memory first. */
  private async step<T>(name: string, gib: number, body: () => Promise<T>): Promise<T | undefined> {
    const file = path.join(this.dir, "records", `${name}.json`);
    const cached = await readFile(file, "utf8").catch(() => undefined);
    if (cached) {
      this.log(`${name}: cached (${file})`);
      return JSON.parse(cached) as T;
    }
    if (this.only && !this.only.includes(name)) {
      this.log(`${name}: not run (I2V_BENCH_FULL_STEPS)`);
      return undefined;
    }
    await waitForMemory(gib, this.log);
    const t = performance.now();
    const record = { ...(await body()), step_s: (performance.now() - t) / 1000 } as T;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(record, null, 2));
    this.log(`${name}: ${JSON.stringify(record)}`);
    return record;
  }

  private async py(args: string[]) {
    const { stdout } = await execa(this.python, [SCRIPT, ...args], {
      env: { PYTHONWARNINGS: "ignore", HF_HUB_OFFLINE: "1" },
      stderr: "inherit",
    });
    return JSON.parse(stdout.trim().split("\n").pop() as string);
  }

  /** Our UNet step (runtime session code) and torch's, same inputs, interleaved, median of rounds. */
  private async unetStep() {
    const options = runtimeOptionsSchema.parse({ optimizedModelCacheDir: path.join(this.dir, "ort-cache") });
    const provider = await chooseProvider(options);
    const inputsDir = path.join(this.dir, "step-inputs");
    await mkdir(inputsDir, { recursive: true });
    const { dim } = await this.dims();
    const [b, c, f, h, w] = [2, 4, CASE.frames, CASE.latent, CASE.latent];
    const latent = [b, c, f, h, w];
    const arrays = {
      sample: { data: fillNormal(new Float32Array(b * c * f * h * w), 1), shape: latent },
      encoder_hidden_states: { data: fillNormal(new Float32Array(b * 77 * dim), 2), shape: [b, 77, dim] },
      image_latents: { data: fillNormal(new Float32Array(b * c * f * h * w), 3), shape: latent },
      image_embeddings: { data: fillNormal(new Float32Array(b * dim), 4), shape: [b, 1, dim] },
    };
    for (const [name, a] of Object.entries(arrays))
      await writeFile(path.join(inputsDir, `${name}.npy`), npyFloat32(a.data, a.shape));
    await writeFile(path.join(inputsDir, "timestep.npy"), npyInt64([501n], [1]));
    await writeFile(path.join(inputsDir, "fps.npy"), npyInt64([16n, 16n], [b]));
    const feeds = {
      ...Object.fromEntries(
        Object.entries(arrays).map(([name, a]) => [name, new ort.Tensor("float32", a.data, a.shape)]),
      ),
      timestep: new ort.Tensor("int64", BigInt64Array.from([501n]), [1]),
      fps: new ort.Tensor("int64", BigInt64Array.from([16n, 16n]), [b]),
    };
    let t = performance.now();
    const session = await createSession(path.join(this.export, "unet", "model.fp32.onnx"), options, provider);
    const sessionS = (performance.now() - t) / 1000;
    // The reference's torch: the exporter's (Debian's 1.13 by default), or I2V_BENCH_TORCH_PYTHON,
    // e.g. the Wan exporter's PyPI torch 2.9 with MKL and SDPA (`export-model --print-python --family wan`).
    const worker = execa(
      process.env.I2V_BENCH_TORCH_PYTHON ?? this.python,
      [SCRIPT, "torch-step", "--model", this.model, "--threads", String(options.intraOpThreads)],
      { env: { PYTHONWARNINGS: "ignore", HF_HUB_OFFLINE: "1" }, stdin: "pipe", stderr: "inherit" },
    );
    const lines = createInterface({ input: worker.stdout! })[Symbol.asyncIterator]();
    const answer = async () => JSON.parse(((await lines.next()).value as string) ?? "{}");
    const ready = await answer();
    const torchStep = async () => {
      worker.stdin!.write(`STEP ${inputsDir}\n`);
      return (await answer()).seconds as number;
    };
    const oursStep = async () => {
      const s = performance.now();
      const out = await session.run(feeds);
      return { seconds: (performance.now() - s) / 1000, output: out.model_output!.data as Float32Array };
    };
    // One warm-up each (allocations, kernel choice), then rounds alternating who goes first.
    const first = await oursStep();
    await torchStep();
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        ours.push((await oursStep()).seconds);
        theirs.push(await torchStep());
      } else {
        theirs.push(await torchStep());
        ours.push((await oursStep()).seconds);
      }
      this.log(`round ${i + 1}: ours ${ours.at(-1)!.toFixed(2)} s, torch ${theirs.at(-1)!.toFixed(2)} s`);
    }
    worker.stdin!.end("QUIT\n");
    await worker;
    const reference = await readNpyFloat32(path.join(inputsDir, "torch.npy"));
    let maxAbs = 0;
    let maxRef = 0;
    for (let i = 0; i < reference.data.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs((first.output[i] as number) - (reference.data[i] as number)));
      maxRef = Math.max(maxRef, Math.abs(reference.data[i] as number));
    }
    await session.release();
    t = performance.now();
    return {
      ours_s: ours,
      torch_s: theirs,
      ours_median_s: median(ours),
      torch_median_s: median(theirs),
      ratio: median(ours) / median(theirs),
      threads: options.intraOpThreads,
      torch: ready,
      session_create_s: sessionS,
      max_abs_difference: maxAbs,
      max_abs_reference: maxRef,
      shape: latent,
    };
  }

  /** One generation through `npm run generate` and through diffusers, same image and noise. */
  private async generation() {
    // 128 px at full size; the smallest resolution the CLI takes (64) on a dry run's tiny model.
    const { factor } = await this.dims();
    const side = Math.max(CASE.latent * factor, 64);
    const work = path.join(this.dir, "generation");
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const image = path.join(work, "image.png");
    await writeFile(
      image,
      await caseImage({
        name: "full",
        source: { width: side, height: side },
        resolution: side,
        scheduler: "ddim",
        guidance: CASE.guidance,
        steps: CASE.steps,
        frames: CASE.frames,
        fps: CASE.fps,
        prompt: CASE.prompt,
      }),
    );
    const shape = [1, 4, CASE.frames, side / factor, side / factor];
    const noise = fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 1234);
    await writeFile(path.join(work, "noise.npy"), npyFloat32(noise, shape));
    const cases = [
      {
        name: "full",
        image,
        init_latents: path.join(work, "noise.npy"),
        width: side,
        height: side,
        frames: CASE.frames,
        steps: CASE.steps,
        guidance: CASE.guidance,
        fps: CASE.fps,
        scheduler: "ddim",
        prompt: CASE.prompt,
        negative_prompt: "",
      },
    ];
    await writeFile(path.join(work, "cases.json"), JSON.stringify(cases));
    let t = performance.now();
    await execa(
      this.python,
      [
        REFERENCE,
        "reference",
        "--model",
        this.model,
        "--cases",
        path.join(work, "cases.json"),
        "--out",
        path.join(work, "reference"),
      ],
      { env: { PYTHONWARNINGS: "ignore", HF_HUB_OFFLINE: "1" }, stderr: "inherit" },
    );
    const diffusersS = (performance.now() - t) / 1000;
    await waitForMemory(12, this.log);
    const framesDir = path.join(work, "frames");
    t = performance.now();
    const cli = await execa(
      "npx",
      [
        "tsx",
        "scripts/generate.ts",
        ...["--model", this.export, "--image", image, "--prompt", CASE.prompt, "--negative-prompt", ""],
        ...["--resolution", String(side), "--frames", String(CASE.frames), "--steps", String(CASE.steps)],
        ...["--guidance", String(CASE.guidance), "--fps", String(CASE.fps), "--scheduler", "ddim"],
        ...[
          "--init-latents",
          path.join(work, "noise.npy"),
          "--frames-dir",
          framesDir,
          "--out",
          path.join(work, "out.mp4"),
        ],
      ],
      { cwd: REPO, all: true },
    );
    const oursS = (performance.now() - t) / 1000;
    const ref = await readNpyFloat32(path.join(work, "reference", "full", "frames.npy"));
    const names = (await readdir(framesDir)).sort();
    const size = ref.data.length / CASE.frames;
    let worst = 0;
    let within1 = 0;
    for (const [i, name] of names.entries()) {
      const { data } = await sharp(path.join(framesDir, name)).raw().toBuffer({ resolveWithObject: true });
      for (let j = 0; j < size; j++) {
        const d = Math.abs((data[j] as number) - (ref.data[i * size + j] as number));
        worst = Math.max(worst, d);
        if (d <= 1) within1++;
      }
    }
    const record = JSON.parse(await readFile(path.join(work, "reference", "full", "record.json"), "utf8"));
    return {
      frames: names.length,
      max_level_difference: worst,
      within_1: within1 / ref.data.length,
      timesteps: record.timesteps,
      diffusers_s: diffusersS,
      ours_cli_s: oursS,
      cli_log: cli.all.split("\n").slice(-4),
    };
  }

  /** The whole model's sessions from the optimized-model cache against reading every file once. */
  private async load() {
    const loaded = await loadManifest(this.export, "fp32");
    const files: string[] = [];
    for (const name of Object.keys(COMPONENT_ROLES) as ComponentName[]) {
      const folder = path.dirname(loaded.files[name]);
      for (const f of await readdir(folder)) if (f.startsWith("model.fp32")) files.push(path.join(folder, f));
    }
    const unique = [...new Set(files)];
    let bytes = 0;
    for (const f of unique) bytes += (await stat(f)).size;
    const options = runtimeOptionsSchema.parse({ optimizedModelCacheDir: path.join(this.dir, "ort-cache") });
    const provider = await chooseProvider(options);
    const open = async () => {
      const t = performance.now();
      const sessions = [];
      for (const name of Object.keys(COMPONENT_ROLES) as ComponentName[])
        sessions.push(await createSession(loaded.files[name], options, provider));
      const seconds = (performance.now() - t) / 1000;
      const rss = process.memoryUsage().rss / 2 ** 20;
      await Promise.all(sessions.map((s) => s.release()));
      return { seconds, rss };
    };
    const first = await open(); // fills the cache for the components not optimized before
    // Both the read and the cached load below find the files as the first load left them (warm).
    let t = performance.now();
    for (const f of unique) await readAll(f);
    const floor = (performance.now() - t) / 1000;
    t = performance.now();
    const cached = await open();
    return {
      bytes,
      files: unique.length,
      read_floor_s: floor,
      first_s: first.seconds,
      cached_s: cached.seconds,
      rss_mb: cached.rss,
      ratio: cached.seconds / floor,
    };
  }
}

async function readAll(file: string) {
  for await (const _ of createReadStream(file, { highWaterMark: 64 << 20 }));
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function npyInt64(values: bigint[], shape: number[]): Buffer {
  const data = Buffer.from(BigInt64Array.from(values).buffer);
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += `${" ".repeat((64 - ((11 + header.length) % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), data]);
}

async function waitForMemory(gib: number, log: (line: string) => void) {
  for (let waited = 0; ; waited += 15) {
    const info = await readFile("/proc/meminfo", "utf8");
    const available = Number(/MemAvailable:\s+(\d+)/.exec(info)?.[1] ?? 0) * 1024;
    if (available >= gib * GIB) return;
    if (waited % 300 === 0)
      log(`waiting for ${gib} GiB of available memory (${(available / GIB).toFixed(1)} GiB now)`);
    if (waited > 3600)
      throw new Error(`less than ${gib} GiB of memory available for an hour; free some and rerun`);
    await new Promise((r) => setTimeout(r, 15_000));
  }
}

interface StepRecord {
  ratio: number;
  ours_median_s: number;
  torch_median_s: number;
  threads: number;
  max_abs_difference: number;
  torch: { torch: string };
}

function figures(
  exports: ExportRecord[],
  step?: StepRecord,
  generation?: { max_level_difference: number; within_1: number; ours_cli_s: number; diffusers_s: number },
  load?: { ratio: number; bytes: number; cached_s: number; read_floor_s: number },
  fp16?: {
    fp16_bytes: number;
    fp16_s: number;
    peak_rss_mb: number;
    attention: { softmax_before: number; fused: number; unfused: number };
    fused_operators: Record<string, number> | null;
  },
): Figure[] {
  const list: Figure[] = [];
  if (generation)
    list.push(
      figure({
        name: "full-size I2VGen-XL: frames vs diffusers, max level difference",
        value: generation.max_level_difference,
        unit: "levels",
        target: 2,
        better: "lower",
        how: `npm run generate vs I2VGenXLPipeline, same image and noise, ${CASE.side} px, ${CASE.frames} frames, ${CASE.steps} DDIM steps, guidance ${CASE.guidance}; published configs, random weights; ${(generation.within_1 * 100).toFixed(1)} % within 1 level`,
      }),
    );
  if (step)
    list.push(
      figure({
        name: "full-size I2VGen-XL: our UNet step / torch UNet step (CPU)",
        value: step.ratio,
        unit: "x",
        target: 1,
        better: "lower",
        how: `batch 2 x ${CASE.frames} frames x ${CASE.latent}x${CASE.latent} latent (${CASE.side} px), fp32, ${step.threads} threads each, interleaved, median of ${ROUNDS} (ours ${step.ours_median_s.toFixed(2)} s, torch ${step.torch.torch} ${step.torch_median_s.toFixed(2)} s; outputs differ by ${step.max_abs_difference.toExponential(1)})`,
      }),
    );
  if (load)
    list.push(
      figure({
        name: "full-size I2VGen-XL: model load (cached) / file-read floor",
        value: load.ratio,
        unit: "x",
        target: null,
        better: "lower",
        how: `all five fp32 sessions from the optimized-model cache (${load.cached_s.toFixed(1)} s) vs reading their ${(load.bytes / GIB).toFixed(2)} GiB once (${load.read_floor_s.toFixed(1)} s)`,
      }),
    );
  for (const e of exports) {
    list.push(
      figure({
        name: `full-size I2VGen-XL export: ${e.component} peak memory`,
        value: e.peak_rss_mb / 1024,
        unit: "GiB",
        target: null,
        better: "lower",
        how: `own process, peak RSS (export${e.check ? " and check" : ""}); ${(e.bytes / GIB).toFixed(2)} GiB of ONNX`,
      }),
      figure({
        name: `full-size I2VGen-XL export: ${e.component} time`,
        value: e.export_s,
        unit: "s",
        target: null,
        better: "lower",
        how: "torch.onnx.export + external-data save, 2 shared cores",
      }),
    );
  }
  if (fp16) {
    const fused = Object.entries(fp16.fused_operators ?? {})
      .filter(([, n]) => n > 0)
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    list.push(
      figure({
        name: "full-size I2VGen-XL: fp16 UNet attention left unfused",
        value: fp16.attention.unfused,
        unit: "of softmax",
        target: 0,
        better: "lower",
        how: `convert_fp16 (fused or fail): ${fp16.attention.fused} of ${fp16.attention.softmax_before} attention softmaxes fused; fused operators: ${fused || "none"}`,
      }),
      figure({
        name: "full-size I2VGen-XL: fp16 UNet conversion time",
        value: fp16.fp16_s,
        unit: "s",
        target: null,
        better: "lower",
        how: `ORT transformer optimizer + fp16 in its own process, ${(fp16.fp16_bytes / GIB).toFixed(2)} GiB written, peak ${(fp16.peak_rss_mb / 1024).toFixed(1)} GiB`,
      }),
    );
  }
  return list;
}
