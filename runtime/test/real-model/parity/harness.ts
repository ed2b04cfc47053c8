import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import sharp from "sharp";
import { HOST_LOCK } from "../../../../images/src/export/host-env.ts";
import { EXPORT_DIR } from "../../../../images/src/export/pins.ts";
import { cacheDir } from "../../../src/config/model-dir.ts";
import { outputSize } from "../../../src/pipeline/image-input.ts";
import { fillNormal } from "../../../src/pipeline/random.ts";

/** Everything the parity suite builds, cached under one key (builder, exporter, lock). */
export const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..", "..", "..");
const BUILDER = path.join(HERE, "tiny_i2vgen.py");

export interface ParityCase {
  name: string;
  /** Source image: size and whether it has an alpha channel (PIL drops it, we must too). */
  source: { width: number; height: number; alpha?: boolean };
  resolution: number;
  scheduler: "ddim" | "dpmpp-2m";
  guidance: number;
  steps: number;
  frames: number;
  fps: number;
  prompt: string;
}

/** Tiny model: latent channels 4, VAE factor 2, two UNet levels (size multiple 4). */
export const LATENT = { channels: 4, factor: 2, multiple: 4 };

export const CASES: ParityCase[] = [
  {
    name: "same-size",
    source: { width: 64, height: 64 },
    resolution: 64,
    scheduler: "ddim",
    guidance: 9,
    steps: 3,
    frames: 4,
    fps: 16,
    prompt: "a cat walking",
  },
  {
    name: "downscale-wide-alpha",
    source: { width: 150, height: 100, alpha: true },
    resolution: 64,
    scheduler: "ddim",
    guidance: 1,
    steps: 3,
    frames: 4,
    fps: 16,
    prompt: "a cat",
  },
  {
    name: "upscale-portrait",
    source: { width: 40, height: 60 },
    resolution: 64,
    scheduler: "dpmpp-2m",
    guidance: 7,
    steps: 4,
    frames: 4,
    fps: 8,
    prompt: "walking",
  },
  {
    name: "downscale-dpm-unguided",
    source: { width: 128, height: 128 },
    resolution: 64,
    scheduler: "dpmpp-2m",
    guidance: 1,
    steps: 4,
    frames: 4,
    fps: 16,
    prompt: "a cat walking",
  },
];

export interface Built {
  python: string;
  modelDir: string;
  exportDir: string;
  referenceDir: string;
  caseDir(name: string): string;
}

/** A deterministic photo-like test image: gradients, a disc, fine texture (resampling matters). */
export async function caseImage(c: ParityCase): Promise<Uint8Array> {
  const { width, height, alpha } = c.source;
  const channels = alpha ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  const noise = fillNormal(new Float32Array(width * height), width * 7 + height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const disc = (x - width / 2) ** 2 + (y - height / 3) ** 2 < (Math.min(width, height) / 4) ** 2;
      const texture = 20 * (noise[i] as number);
      const px = [
        (255 * x) / width + texture,
        disc ? 230 : (255 * y) / height,
        128 + 100 * Math.sin(x / 3) * Math.cos(y / 5) + texture,
      ];
      for (let ch = 0; ch < 3; ch++)
        data[i * channels + ch] = Math.max(0, Math.min(255, Math.round(px[ch] as number)));
      if (alpha) data[i * channels + 3] = (x * 5 + y * 3) % 256;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

/** The output size our pipeline picks for a case (diffusers is asked for the same). */
export function caseSize(c: ParityCase) {
  return outputSize(c.source, c.resolution, LATENT.multiple);
}

/** The .npy bytes of a float32 C-order array. */
export function npyFloat32(data: Float32Array, shape: number[]): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([
    head,
    Buffer.from(header, "latin1"),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}

/** Initial noise of a case, [1, C, F, h, w]. */
export function caseNoise(c: ParityCase): { data: Float32Array; shape: number[] } {
  const { width, height } = caseSize(c);
  const shape = [1, LATENT.channels, c.frames, height / LATENT.factor, width / LATENT.factor];
  return { data: fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 1234), shape };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function suiteKey(): Promise<string> {
  const hash = createHash("sha256");
  for (const file of [
    BUILDER,
    HOST_LOCK,
    path.join(EXPORT_DIR, "export_i2vgen_xl.py"),
    path.join(EXPORT_DIR, "i2v_manifest.py"),
    path.join(EXPORT_DIR, "torch_compat.py"),
  ])
    hash.update(await readFile(file));
  hash.update(JSON.stringify(CASES));
  hash.update(await readFile(path.join(HERE, "harness.ts")));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Builds the tiny model, exports it with `npm run export-model` (the CLI, as a user runs it), and
 * runs diffusers' reference for every case; all cached by content key, so a rerun costs nothing.
 */
export async function buildParity(log: (line: string) => void = () => undefined): Promise<Built> {
  const root = path.join(cacheDir(), "parity", await suiteKey());
  const built = {
    modelDir: path.join(root, "model"),
    exportDir: path.join(root, "export"),
    referenceDir: path.join(root, "reference"),
    caseDir: (name: string) => path.join(root, "cases", name),
  };
  const cli = (args: string[]) =>
    execa("npx", ["tsx", path.join(REPO, "scripts", "export-model.ts"), ...args], { cwd: REPO, all: true });
  const python = (await cli(["--print-python"])).stdout.trim().split("\n").pop() as string;
  if (await exists(path.join(root, "done"))) return { python, ...built };
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const py = (args: string[]) =>
    execa(python, args, { all: true, env: { PYTHONWARNINGS: "ignore", HF_HUB_OFFLINE: "1" } });
  let t = performance.now();
  await py([BUILDER, "build", "--out", built.modelDir]);
  log(`built the tiny I2VGen-XL in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  await cli(["--model-dir", built.modelDir, "--out", built.exportDir, "--no-fp16"]);
  log(`exported it in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const cases = [];
  for (const c of CASES) {
    const dir = built.caseDir(c.name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "image.png"), await caseImage(c));
    const noise = caseNoise(c);
    await writeFile(path.join(dir, "noise.npy"), npyFloat32(noise.data, noise.shape));
    const { width, height } = caseSize(c);
    cases.push({
      name: c.name,
      image: path.join(dir, "image.png"),
      init_latents: path.join(dir, "noise.npy"),
      width,
      height,
      frames: c.frames,
      steps: c.steps,
      guidance: c.guidance,
      fps: c.fps,
      scheduler: c.scheduler,
      prompt: c.prompt,
      negative_prompt: "",
    });
  }
  await writeFile(path.join(root, "cases.json"), JSON.stringify(cases, null, 2));
  t = performance.now();
  await py([
    BUILDER,
    "reference",
    "--model",
    built.modelDir,
    "--cases",
    path.join(root, "cases.json"),
    "--out",
    `${built.referenceDir}.tmp`,
  ]);
  await rename(`${built.referenceDir}.tmp`, built.referenceDir);
  log(`diffusers reference for ${CASES.length} cases in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await writeFile(path.join(root, "done"), new Date().toISOString());
  return { python, ...built };
}
