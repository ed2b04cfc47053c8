import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { EXPORT_DIR } from "../../../../images/src/export/pins.ts";
import { cacheDir } from "../../../src/config/model-dir.ts";
import { type GenerateParams, resolveParams } from "../../../src/pipeline/params.ts";
import { fillNormal } from "../../../src/pipeline/random.ts";
import { caseImage, HERE, npyFloat32 } from "./harness.ts";

/** The Wan parity suite's models, exports and diffusers reference runs, cached under one content key. */
const REPO = path.resolve(HERE, "..", "..", "..", "..");
const BUILDER = path.join(HERE, "tiny_wan.py");

export type WanVariant = "wan2.1" | "wan2.2";

export interface WanCase {
  name: string;
  variant: WanVariant;
  source: { width: number; height: number; alpha?: boolean };
  width: number;
  height: number;
  frames: number;
  steps: number;
  guidance: number;
  /** The second expert's guidance (Wan 2.2); undefined: diffusers' default (the first's). */
  guidance2?: number;
  prompt: string;
  negativePrompt: string;
}

/** Tiny models: z = 16 latent channels, VAE 8x spatial and 4x temporal, patch 2 (multiple of 16). */
export const WAN_LATENT = { channels: 16, spatial: 8, temporal: 4 };

export const WAN_CASES: WanCase[] = [
  {
    name: "wan21-exact-size",
    variant: "wan2.1",
    source: { width: 64, height: 48 },
    width: 64,
    height: 48,
    frames: 5,
    steps: 3,
    guidance: 5,
    prompt: "a cat walking",
    negativePrompt: "blur",
  },
  {
    name: "wan21-downscale-wide-unguided",
    variant: "wan2.1",
    source: { width: 150, height: 100, alpha: true },
    width: 48,
    height: 32,
    frames: 9,
    steps: 3,
    guidance: 1,
    prompt: "the dog runs slowly",
    negativePrompt: "",
  },
  {
    name: "wan22-expert-switch",
    variant: "wan2.2",
    source: { width: 80, height: 120 },
    width: 32,
    height: 48,
    frames: 5,
    steps: 4,
    guidance: 4,
    guidance2: 2,
    prompt: "a red sky",
    negativePrompt: "blur",
  },
  {
    name: "wan22-unguided",
    variant: "wan2.2",
    source: { width: 64, height: 64 },
    width: 32,
    height: 32,
    frames: 5,
    steps: 4,
    guidance: 1,
    prompt: "a cat",
    negativePrompt: "",
  },
];

export interface WanBuilt {
  python: string;
  modelDir(variant: WanVariant): string;
  exportDir(variant: WanVariant): string;
  referenceDir: string;
  caseDir(name: string): string;
  root: string;
}

/** diffusers' `latents` for a case: [1, z, (F-1)/4+1, H/8, W/8]. */
/** A case's request, as a client would send it, with its preset-free defaults resolved. */
export function wanCaseParams(c: WanCase, overrides: Partial<GenerateParams> = {}): GenerateParams {
  return {
    ...resolveParams(
      {
        prompt: c.prompt,
        negative_prompt: c.negativePrompt,
        width: c.width,
        height: c.height,
        num_frames: c.frames,
        num_inference_steps: c.steps,
        guidance_scale: c.guidance,
        ...(c.guidance2 !== undefined ? { guidance_scale_2: c.guidance2 } : {}),
        target_fps: 16,
        decode_chunk_size: c.frames,
        seed: 0,
      },
      { negative_prompt: "", scheduler: "unipc" },
    ),
    ...overrides,
  };
}

export function wanCaseNoise(c: WanCase): { data: Float32Array; shape: number[] } {
  const shape = [
    1,
    WAN_LATENT.channels,
    (c.frames - 1) / WAN_LATENT.temporal + 1,
    c.height / WAN_LATENT.spatial,
    c.width / WAN_LATENT.spatial,
  ];
  return { data: fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 4321), shape };
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

async function suiteKey(python: string): Promise<string> {
  const hash = createHash("sha256");
  for (const file of [
    BUILDER,
    path.join(HERE, "..", "tiny_umt5_tokenizer.py"),
    path.join(EXPORT_DIR, "export_wan.py"),
    path.join(EXPORT_DIR, "wan_manifest.py"),
    path.join(EXPORT_DIR, "wan_vae.py"),
    path.join(EXPORT_DIR, "wan_attention.py"),
    path.join(HERE, "wan-harness.ts"),
  ])
    hash.update(await readFile(file));
  hash.update(python);
  hash.update(JSON.stringify(WAN_CASES));
  return hash.digest("hex").slice(0, 16);
}

/**
 * Builds both tiny models, exports each with `npm run export-model -- --no-fp16` (the CLI as a user
 * runs it), and runs diffusers' WanImageToVideoPipeline for every case, plus the sensitivity runs
 * (other prompt, image tokens zeroed); all cached by content key.
 */
export async function buildWanParity(python: string, log: (line: string) => void = () => undefined) {
  const root = path.join(cacheDir(), "parity-wan", await suiteKey(python));
  const built: WanBuilt = {
    python,
    root,
    modelDir: (v) => path.join(root, "models", v),
    exportDir: (v) => path.join(root, "exports", v),
    referenceDir: path.join(root, "reference"),
    caseDir: (name) => path.join(root, "cases", name),
  };
  if (await exists(path.join(root, "done"))) return built;
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const env = { PYTHONWARNINGS: "ignore", HF_HUB_OFFLINE: "1" };
  const py = (args: string[]) => execa(python, args, { all: true, env });
  for (const variant of ["wan2.1", "wan2.2"] as const) {
    let t = performance.now();
    await py([BUILDER, "build", "--variant", variant, "--out", built.modelDir(variant)]);
    log(`built the tiny ${variant} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    await execa(
      "npx",
      [
        "tsx",
        path.join(REPO, "scripts", "export-model.ts"),
        "--model-dir",
        built.modelDir(variant),
        "--out",
        built.exportDir(variant),
        "--no-fp16",
      ],
      { cwd: REPO, all: true, env },
    );
    log(`exported it in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  for (const variant of ["wan2.1", "wan2.2"] as const) {
    const cases = [];
    for (const c of WAN_CASES.filter((c) => c.variant === variant)) {
      const dir = built.caseDir(c.name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, "image.png"), await caseImage({ source: c.source } as never));
      const noise = wanCaseNoise(c);
      await writeFile(path.join(dir, "noise.npy"), npyFloat32(noise.data, noise.shape));
      cases.push({
        name: c.name,
        image: path.join(dir, "image.png"),
        init_latents: path.join(dir, "noise.npy"),
        width: c.width,
        height: c.height,
        frames: c.frames,
        steps: c.steps,
        guidance: c.guidance,
        guidance_2: c.guidance2 ?? null,
        prompt: c.prompt,
        negative_prompt: c.negativePrompt,
        sensitivity: c.name === "wan21-exact-size",
      });
    }
    const casesFile = path.join(root, `cases-${variant}.json`);
    await writeFile(casesFile, JSON.stringify(cases, null, 2));
    const t = performance.now();
    await py([
      BUILDER,
      "reference",
      "--model",
      built.modelDir(variant),
      "--cases",
      casesFile,
      "--out",
      `${built.referenceDir}.tmp`,
    ]);
    log(
      `diffusers reference for ${cases.length} ${variant} cases in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  }
  await rename(`${built.referenceDir}.tmp`, built.referenceDir);
  await writeFile(path.join(root, "done"), new Date().toISOString());
  return built;
}
