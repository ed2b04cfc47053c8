import { createHash } from "node:crypto";
import { access, mkdir, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { cacheDir } from "../../../runtime/src/config/model-dir.ts";
import { userError } from "../../../runtime/src/util/user-facing-error.ts";
import { EXPORT_DIR, type ExportPins } from "./pins.ts";

/** The host lock: every package of the exporter's venv, `name==version` with sha256 hashes. */
export const HOST_LOCK = path.join(EXPORT_DIR, "host-lock.txt");

/** The Wan exporter's lock: torch 2.9.1 and diffusers 0.42.1 from PyPI, every package hashed. */
export const WAN_HOST_LOCK = path.join(EXPORT_DIR, "wan-host-lock.txt");

/** Which exporter environment: one per model family whose diffusers needs another torch. */
export const EXPORT_ENV_FAMILIES = ["i2vgen-xl", "wan"] as const;
export type ExportEnvFamily = (typeof EXPORT_ENV_FAMILIES)[number];

interface ExportEnvSpec {
  lock: string;
  /**
   * I2VGen-XL's venv takes torch 1.13 from Debian's python3-torch (no CUDA wheels to download);
   * Wan's diffusers asks for torch >= 2.6, so its venv is isolated from it and pip installs torch.
   */
  systemSitePackages: boolean;
  /** Imported once the venv is built: a broken install fails there, not in the first export. */
  probe: string;
  /** What the base interpreter must import. */
  baseNeeds: string;
  baseHint: string;
}

const ENV_SPECS: Record<ExportEnvFamily, ExportEnvSpec> = {
  "i2vgen-xl": {
    lock: HOST_LOCK,
    systemSitePackages: true,
    probe: "import torch, diffusers, transformers, onnx, onnxruntime",
    baseNeeds: "torch, venv",
    baseHint:
      "install Debian's packages: apt-get install -y python3-torch python3-venv (or set I2V_EXPORT_BASE_PYTHON to a python3 that has torch)",
  },
  wan: {
    lock: WAN_HOST_LOCK,
    systemSitePackages: false,
    probe: "import torch, diffusers, transformers, onnx, onnxscript, onnxruntime, peft, ftfy, sentencepiece",
    baseNeeds: "venv, ensurepip",
    baseHint:
      "install Debian's python3-venv: apt-get install -y python3-venv (or set I2V_EXPORT_BASE_PYTHON to a python3.11 with venv)",
  },
};

/** The lock file of a family's exporter environment. */
export function exportEnvLock(family: ExportEnvFamily): string {
  return ENV_SPECS[family].lock;
}

/** Parses `--family`; a clear error names the families there are. */
export function parseExportEnvFamily(value: string): ExportEnvFamily {
  if ((EXPORT_ENV_FAMILIES as readonly string[]).includes(value)) return value as ExportEnvFamily;
  throw userError(
    `unknown model family "${value}" for the exporter's environment`,
    `use --family ${EXPORT_ENV_FAMILIES.join(" or --family ")}`,
  );
}

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
 * Where the venv lives: `<I2V_CACHE_DIR or ~/.cache/i2v-deploy>/export-env/<key>` (`wan-<key>` for
 * Wan's), the key being sha256 over the lock and the base interpreter's path, so a pin edit makes a
 * new environment and an old one is never half-updated.
 */
export function hostEnvDir(
  lockText: string,
  env: NodeJS.ProcessEnv = process.env,
  family: ExportEnvFamily = "i2vgen-xl",
): string {
  const key = createHash("sha256").update(lockText).update("\0").update(basePython(env)).digest("hex");
  const prefix = family === "i2vgen-xl" ? "" : `${family}-`;
  return path.join(cacheDir(env), "export-env", `${prefix}${key.slice(0, 16)}`);
}

/** The interpreter of a family's environment if it was created, without creating it (tests use this). */
export async function existingHostEnvPython(
  family: ExportEnvFamily,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const lockText = await readFile(exportEnvLock(family), "utf8");
  const python = path.join(hostEnvDir(lockText, env, family), "bin", "python");
  return (await exists(python)) ? python : undefined;
}

export interface HostEnvOptions {
  /** Which environment; default I2VGen-XL's (host-lock.txt). */
  family?: ExportEnvFamily;
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
  const family = options.family ?? "i2vgen-xl";
  const spec = ENV_SPECS[family];
  const lockName = path.basename(spec.lock);
  const lockText = await readFile(spec.lock, "utf8");
  const dir = hostEnvDir(lockText, env, family);
  const python = path.join(dir, "bin", "python");
  if (await exists(python)) return { python, created: false, seconds: 0 };
  const started = performance.now();
  const base = basePython(env);
  await checkBase(base, spec);
  const building = `${dir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  options.log?.(`creating the ${family} exporter's Python environment in ${dir} (once per ${lockName})`);
  await run(
    base,
    ["-m", "venv", ...(spec.systemSitePackages ? ["--system-site-packages"] : []), building],
    lockName,
  );
  const pipEnv: NodeJS.ProcessEnv = { ...env, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
  // pip's download cache (PIP_CACHE_DIR or ~/.cache/pip) is kept: a rebuilt env reinstalls from it.
  if (options.pipConf) pipEnv.PIP_CONFIG_FILE = options.pipConf;
  await run(
    path.join(building, "bin", "python"),
    ["-m", "pip", "install", "--require-hashes", "--no-deps", "--only-binary", ":all:", "-r", spec.lock],
    lockName,
    pipEnv,
  );
  await run(
    path.join(building, "bin", "python"),
    ["-c", `${spec.probe}; print(torch.__version__, diffusers.__version__)`],
    lockName,
  );
  // Atomic: a half-built environment is never found under the final name.
  await rename(building, dir).catch(async (error) => {
    await rm(building, { recursive: true, force: true });
    if (!(await exists(python))) throw error;
  });
  return { python, created: true, seconds: (performance.now() - started) / 1000 };
}

async function checkBase(base: string, spec: ExportEnvSpec): Promise<void> {
  const probe = await execa(base, ["-c", `import ${spec.baseNeeds}`], { reject: false });
  if (probe.exitCode !== 0) {
    throw userError(
      `${base} cannot import ${spec.baseNeeds.replace(", ", " and ")} (${String(probe.stderr || probe.message)
        .trim()
        .split("\n")
        .slice(-1)
        .join("")})`,
      spec.baseHint,
    );
  }
}

async function run(file: string, args: string[], lockName: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const result = await execa(file, args, {
    reject: false,
    all: true,
    ...(env ? { env, extendEnv: false } : {}),
  });
  if (result.exitCode !== 0) {
    throw userError(
      `${path.basename(file)} ${args.slice(0, 3).join(" ")} failed (exit ${result.exitCode}):\n${(result.all ?? "").split("\n").slice(-15).join("\n")}`,
      `check the mirror (--mirror) and that PyPI or the mirror is reachable; the lock is images/export/${lockName}`,
    );
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
