import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { cacheDir } from "../../../runtime/src/config/model-dir.ts";
import { userError } from "../../../runtime/src/util/user-facing-error.ts";
import { EXPORT_DIR, type ExportPins } from "./pins.ts";

/** The host lock: every package of the exporter's venv, `name==version` with sha256 hashes. */
export const HOST_LOCK = path.join(EXPORT_DIR, "host-lock.txt");

/** Interpreter the venv is built over: Debian's python3 with python3-torch (I2V_EXPORT_BASE_PYTHON overrides). */
export function basePython(env: NodeJS.ProcessEnv = process.env): string {
  return env.I2V_EXPORT_BASE_PYTHON ?? "/usr/bin/python3";
}

/** `name -> version` of every line of a lock file. */
export function lockedVersions(lockText: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of lockText.matchAll(/^([A-Za-z0-9._-]+)==([^\s\\]+)/gm)) {
    out.set(normalizeName(m[1] as string), m[2] as string);
  }
  return out;
}

/** PEP 503 name normalization: `huggingface_hub` and `huggingface-hub` are one package. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Pins whose version the lock does not have (the two files must agree): `name: pins X, lock Y`. */
export function lockMismatches(pins: ExportPins, lockText: string): string[] {
  const locked = lockedVersions(lockText);
  const problems: string[] = [];
  for (const [name, version] of Object.entries(pins.packages)) {
    const have = locked.get(normalizeName(name));
    if (have !== version)
      problems.push(`${name}: pins.json has ${version}, host-lock.txt has ${have ?? "nothing"}`);
  }
  return problems;
}

/**
 * Where the venv lives: `<I2V_CACHE_DIR or ~/.cache/i2v-deploy>/export-env/<key>`, the key being
 * sha256 over the lock and the base interpreter's path, so a pin edit makes a new environment and
 * an old one is never half-updated.
 */
export function hostEnvDir(lockText: string, env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash("sha256").update(lockText).update("\0").update(basePython(env)).digest("hex");
  return path.join(cacheDir(env), "export-env", key.slice(0, 16));
}

export interface HostEnvOptions {
  env?: NodeJS.ProcessEnv;
  /** A pip.conf (mirrors/ renders it) for the install; undefined: pip's own configuration. */
  pipConf?: string;
  log?: (line: string) => void;
}

/** The venv's interpreter, creating the environment on first use. */
export async function ensureHostEnv(
  options: HostEnvOptions = {},
): Promise<{ python: string; created: boolean; seconds: number }> {
  const env = options.env ?? process.env;
  const lockText = await readFile(HOST_LOCK, "utf8");
  const dir = hostEnvDir(lockText, env);
  const python = path.join(dir, "bin", "python");
  if (await exists(python)) return { python, created: false, seconds: 0 };
  const started = performance.now();
  const base = basePython(env);
  await checkBase(base);
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  options.log?.(`creating the exporter's Python environment in ${dir} (once per host-lock.txt)`);
  await run(base, ["-m", "venv", "--system-site-packages", building]);
  const pipEnv: NodeJS.ProcessEnv = { ...env, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  // pip's download cache (PIP_CACHE_DIR or ~/.cache/pip) is kept: a rebuilt env reinstalls from it.
  if (options.pipConf) pipEnv.PIP_CONFIG_FILE = options.pipConf;
  await run(
    path.join(building, "bin", "python"),
    ["-m", "pip", "install", "--require-hashes", "--no-deps", "--only-binary", ":all:", "-r", HOST_LOCK],
    pipEnv,
  );
  await run(path.join(building, "bin", "python"), [
    "-c",
    "import torch, diffusers, transformers, onnx, onnxruntime; print(torch.__version__, diffusers.__version__)",
  ]);
  // Atomic: a half-built environment is never found under the final name.
  await rename(building, dir).catch(async (error) => {
    await rm(building, { recursive: true, force: true });
    if (!(await exists(python))) throw error;
  });
  return { python, created: true, seconds: (performance.now() - started) / 1000 };
}

async function checkBase(base: string): Promise<void> {
  const probe = await execa(base, ["-c", "import torch, venv; print(torch.__version__)"], { reject: false });
  if (probe.exitCode !== 0) {
    throw userError(
      `${base} cannot import torch and venv (${String(probe.stderr || probe.message)
        .trim()
        .split("\n")
        .slice(-1)
        .join("")})`,
      "install Debian's packages: apt-get install -y python3-torch python3-venv (or set I2V_EXPORT_BASE_PYTHON to a python3 that has torch)",
    );
  }
}

async function run(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<void> {
  const result = await execa(file, args, {
    reject: false,
    all: true,
    ...(env ? { env, extendEnv: false } : {}),
  });
  if (result.exitCode !== 0) {
    throw userError(
      `${path.basename(file)} ${args.slice(0, 3).join(" ")} failed (exit ${result.exitCode}):\n${(result.all ?? "").split("\n").slice(-15).join("\n")}`,
      "check the mirror (--mirror) and that PyPI or the mirror is reachable; the lock is images/export/host-lock.txt",
    );
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
