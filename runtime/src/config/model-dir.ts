import os from "node:os";
import path from "node:path";
import { ensureDemoModel } from "../demo-model/build.ts";
import { DEFAULT_DEMO_SIZE, type DemoSize } from "../demo-model/constants.ts";
import { resolveModelRef } from "../weights/index.ts";

/** Where the toolkit keeps what it builds (demo model, ORT's optimized graphs): I2V_CACHE_DIR or ~/.cache/i2v-deploy. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.I2V_CACHE_DIR ?? path.join(os.homedir(), ".cache", "i2v-deploy");
}

/** Parses `WIDTHxDEPTH` (the demo model's compute knob, e.g. `64x4`). */
export function parseDemoSize(value: string | undefined): DemoSize {
  if (!value) return DEFAULT_DEMO_SIZE;
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match) {
    throw Object.assign(new Error(`demo size "${value}" is not WIDTHxDEPTH`), {
      hint: "Use for example I2V_DEMO_SIZE=64x4.",
    });
  }
  return { width: Number(match[1]), depth: Number(match[2]) };
}

/**
 * The model folder to load: the built-in demo model (unset or `demo`, built into the cache at first
 * use), a folder path, or a Hugging Face cache reference `org/name@revision`.
 */
export async function resolveModelDir(
  spec: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (!spec || spec === "demo") return ensureDemoModel(cacheDir(env), parseDemoSize(env.I2V_DEMO_SIZE));
  return resolveModelRef(spec, { env });
}
