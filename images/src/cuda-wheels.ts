import { createHash } from "node:crypto";
import {
  copyFile,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { cacheDir as userCacheDir } from "../../runtime/src/config/model-dir.ts";
import type { CudaRequirements } from "../../runtime/src/gpu/cuda-requirements.ts";
import { runTool } from "../../runtime/src/util/run-tool.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import {
  assertStack,
  CUDA_LIB_DIR,
  PROVIDER_LIBS,
  pipRequirements,
  type ResolvedStack,
} from "./cuda-stack.ts";
import type { DockerClient } from "./docker-client.ts";

/**
 * The GPU image's CUDA libraries from PyPI: pip (on the host, through the chosen mirror) downloads
 * the wheels into a kept folder, then installs onnxruntime-gpu and the NVIDIA wheels into a scratch folder for the
 * image's platform; the provider and every shared library are gathered into one flat folder, cached
 * per requirement set, and built once into `i2v-cuda/...` (FROM scratch). The app image copies from
 * that image, so the 2 GB of CUDA libraries are one cached layer that a code change never touches.
 */

/**
 * The image's platform for pip: glibc 2.28+ x86_64 (Debian bookworm, Ubuntu noble), CPython 3.11
 * tags (only onnxruntime-gpu's wheel is per-Python; its libraries are not). pip does not widen a
 * manylinux `--platform` to older tags, and the NVIDIA wheels use several, so every one is named.
 */
const PIP_TARGET = [
  ...["manylinux_2_28", "manylinux_2_27", "manylinux_2_17", "manylinux2014", "manylinux_2_12"]
    .concat(["manylinux2010", "manylinux_2_5", "manylinux1"])
    .flatMap((tag) => ["--platform", `${tag}_x86_64`]),
  "--python-version",
  "3.11",
  "--implementation",
  "cp",
];

export interface CudaLibsOptions {
  requirements: CudaRequirements;
  /** onnxruntime-node version the lockfile installs (must equal requirements.onnxruntime). */
  onnxruntimeNode: string;
  /** PyPI simple indexes to try in order; `undefined` = pip's own configuration (PIP_INDEX_URL, pip.conf). */
  indexes: (string | undefined)[];
  cacheDir: string;
  /** Downloaded wheels, kept across bakes and clones; default <I2V_CACHE_DIR>/wheels/cuda-<key>. */
  wheelsDir?: string;
  /** Python with pip; default I2V_PIP_PYTHON or python3. */
  python?: string;
  log?: (line: string) => void;
}

/** The folder of libraries, and what pip resolved (wheel versions), as recorded in `stack.json`. */
export interface CudaLibs {
  dir: string;
  key: string;
  stack: ResolvedStack;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

const normalize = (name: string) => name.toLowerCase().replace(/[-_.]+/g, "-");

/** Reads `name -> version` from the `*.dist-info` folders pip wrote, and the ORT wheel's Requires-Dist. */
async function readStack(target: string): Promise<ResolvedStack> {
  const versions: Record<string, string> = {};
  let ortRequires: string[] = [];
  for (const entry of await readdir(target)) {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
    if (!m) continue;
    const name = normalize(m[1] as string);
    versions[name] = m[2] as string;
    if (name === "onnxruntime-gpu") {
      const meta = await readFile(path.join(target, entry, "METADATA"), "utf8");
      ortRequires = [...meta.matchAll(/^Requires-Dist:\s*(.+)$/gm)].map((r) => (r[1] as string).trim());
    }
  }
  return { versions, ortRequires };
}

/** Shared libraries pip laid out under nvidia/<pkg>/lib, plus the two provider libraries. */
async function gather(target: string, out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  const place = async (from: string, name: string) => {
    const to = path.join(out, name);
    await link(from, to).catch(() => copyFile(from, to));
  };
  for (const pkg of await readdir(path.join(target, "nvidia")).catch(() => [])) {
    const lib = path.join(target, "nvidia", pkg, "lib");
    for (const name of await readdir(lib).catch(() => []))
      if (/\.so(\.|$)/.test(name)) await place(path.join(lib, name), name);
  }
  for (const name of PROVIDER_LIBS) {
    const from = path.join(target, "onnxruntime", "capi", name);
    if (!(await exists(from)))
      throw userError(
        `onnxruntime-gpu has no onnxruntime/capi/${name}`,
        "check the onnxruntime-gpu version on the index",
      );
    await place(from, name);
  }
}

/** The cache key of a requirement set (what pip is asked for, for which platform). */
export function cudaStackKey(req: CudaRequirements): string {
  return createHash("sha256")
    .update(JSON.stringify({ reqs: pipRequirements(req), PIP_TARGET }))
    .digest("hex")
    .slice(0, 16);
}

/**
 * Installs the stack with pip (mirror first, then the next index) into `<cacheDir>/cuda/<key>`,
 * verifies it against the requirements, and returns the flat library folder. A second call with
 * the same requirements returns the cached folder without running pip.
 */
export async function fetchCudaLibs(o: CudaLibsOptions): Promise<CudaLibs> {
  const reqs = pipRequirements(o.requirements);
  const key = cudaStackKey(o.requirements);
  const home = path.join(o.cacheDir, "cuda", key);
  const done = path.join(home, "stack.json");
  if (await exists(done)) {
    const stack = JSON.parse(await readFile(done, "utf8")) as ResolvedStack;
    assertStack(o.requirements, o.onnxruntimeNode, stack);
    return { dir: path.join(home, "lib"), key, stack };
  }
  await mkdir(home, { recursive: true });
  const python = o.python ?? process.env.I2V_PIP_PYTHON ?? "python3";
  const failures: string[] = [];
  // Our own wheel folder, so a repeat (or a fresh clone on the same host) downloads nothing,
  // whatever pip's HTTP cache does; pip's other find-links stay in use.
  const wheels = o.wheelsDir ?? path.join(userCacheDir(), "wheels", `cuda-${key}`);
  await mkdir(wheels, { recursive: true });
  const links = [wheels, ...(process.env.PIP_FIND_LINKS ?? "").split(/\s+/).filter(Boolean)];
  const common = ["--disable-pip-version-check", "--no-input", "--only-binary=:all:", ...PIP_TARGET];
  for (const index of o.indexes) {
    const target = await mkdtemp(path.join(home, "pip-"));
    const download = [
      "-m",
      "pip",
      "download",
      ...common,
      "--dest",
      wheels,
      ...links.flatMap((l) => ["--find-links", l]),
      ...(index ? ["--index-url", index] : []),
      ...reqs,
    ];
    const install = [
      "-m",
      "pip",
      "install",
      ...common,
      "--no-index",
      "--find-links",
      wheels,
      "--target",
      target,
      ...reqs,
    ];
    o.log?.(
      `pip download ${reqs.join(" ")} from ${index ?? "pip's configured index"} into ${wheels} (about 2 GB once), then pip install from there`,
    );
    try {
      await runTool(python, download);
      await runTool(python, install);
      const stack = await readStack(target);
      assertStack(o.requirements, o.onnxruntimeNode, stack);
      const lib = path.join(home, "lib");
      await rm(lib, { recursive: true, force: true });
      await gather(target, `${lib}.part`);
      await rename(`${lib}.part`, lib);
      await writeFile(done, `${JSON.stringify(stack, null, 2)}\n`);
      return { dir: lib, key, stack };
    } catch (error) {
      if ((error as { hint?: string }).hint) throw error;
      const e = error as { stderr?: string; message: string; code?: string };
      if (e.code === "ENOENT" || /No module named pip/.test(e.stderr ?? ""))
        throw userError(
          `${python} with pip was not found (the GPU image's CUDA wheels come through pip)`,
          "install Python 3 and pip (Debian/Ubuntu: apt-get install python3-pip), or set I2V_PIP_PYTHON to a python that has pip",
        );
      failures.push(
        `${index ?? "pip's configured index"}: ${(e.stderr ?? e.message).trim().split("\n").slice(-3).join(" / ")}`,
      );
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }
  throw userError(
    `pip could not install the CUDA stack (${reqs.join(" ")}):\n  ${failures.join("\n  ")}`,
    "check the PyPI mirror (--mirror), or point pip at a local wheel folder (PIP_FIND_LINKS=/dir)",
  );
}

/** Label on the `i2v-cuda/...` image: the stack pip resolved (JSON of {@link ResolvedStack}). */
export const STACK_LABEL = "ai.i2v.cuda.stack";

/**
 * Builds `i2v-cuda/ort-<version>-cu<major>:<key>` (FROM scratch, the libraries under
 * {@link CUDA_LIB_DIR}, the resolved stack as a label) once per requirement set. When the image
 * exists, pip does not run at all: its label is checked against the requirements again. The flat
 * folder is removed once built (pip's cache still holds the wheels).
 */
/** The `i2v-cuda/...` image that holds one CUDA stack's libraries (kept on the engine between bakes). */
export function cudaImageTag(req: CudaRequirements): string {
  return `i2v-cuda/ort-${req.onnxruntime}-cu${req.cudaMajor}:${cudaStackKey(req)}`;
}

export async function ensureCudaImage(client: DockerClient, o: CudaLibsOptions): Promise<string> {
  const req = o.requirements;
  const tag = cudaImageTag(req);
  const existing = await client.inspect(tag);
  const label = existing?.labels[STACK_LABEL];
  if (label) {
    assertStack(req, o.onnxruntimeNode, JSON.parse(label) as ResolvedStack);
    return tag;
  }
  const libs = await fetchCudaLibs(o);
  const workDir = path.join(o.cacheDir, "cuda");
  const ctx = await mkdtemp(path.join(workDir, "context-"));
  try {
    await mkdir(path.join(ctx, "lib"));
    for (const name of await readdir(libs.dir)) {
      const from = path.join(libs.dir, name);
      await link(from, path.join(ctx, "lib", name)).catch(() => copyFile(from, path.join(ctx, "lib", name)));
    }
    const stack = JSON.stringify(libs.stack);
    await writeFile(
      path.join(ctx, "Dockerfile"),
      `FROM scratch\nCOPY lib/ ${CUDA_LIB_DIR}/\nLABEL ${STACK_LABEL}=${JSON.stringify(stack)}\n`,
    );
    await client.build(ctx, { tag });
  } finally {
    await rm(ctx, { recursive: true, force: true });
  }
  await rm(path.dirname(libs.dir), { recursive: true, force: true });
  return tag;
}
