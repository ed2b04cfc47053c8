import { readFile } from "node:fs/promises";
import path from "node:path";
import { I2vError } from "../errors.ts";
import { exists } from "../util/exists.ts";
import {
  COMPONENT_ROLES,
  type ComponentName,
  type Manifest,
  manifestSchema,
  type Variant,
} from "./manifest-schema.ts";

export { COMPONENT_ROLES, type ComponentName, type Manifest, type Variant } from "./manifest-schema.ts";

/** A validated manifest with its folder, ready for sessions to be created from it. */
export interface LoadedManifest {
  dir: string;
  manifest: Manifest;
  /** Absolute path of each component's ONNX file for the chosen variant. */
  files: Record<ComponentName, string>;
  tokenizerFile: string;
  variant: Variant;
}

/** Reads and validates `manifest.json` in `dir`; every problem is reported with its path. */
export async function loadManifest(dir: string, variant: Variant = "fp32"): Promise<LoadedManifest> {
  const manifestPath = path.join(dir, "manifest.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, "utf8"));
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : (error as Error).message;
    throw manifestError(dir, [`manifest.json: ${why}`]);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw manifestError(
      dir,
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  const manifest = parsed.data;
  const problems: string[] = [];
  const files = {} as Record<ComponentName, string>;
  for (const name of Object.keys(COMPONENT_ROLES) as ComponentName[]) {
    const file = manifest.components[name].files[variant];
    if (!file) {
      problems.push(
        `components.${name}.files.${variant}: no ${variant} variant (has ${Object.keys(manifest.components[name].files).join(", ")})`,
      );
      continue;
    }
    files[name] = path.resolve(dir, file);
    if (!(await exists(files[name])))
      problems.push(`components.${name}.files.${variant}: missing file ${file}`);
  }
  const tokenizerFile = path.resolve(dir, manifest.tokenizer.file);
  if (!(await exists(tokenizerFile)))
    problems.push(`tokenizer.file: missing file ${manifest.tokenizer.file}`);
  if (!manifest.memory[variant])
    problems.push(`memory.${variant}: no memory model for the ${variant} variant`);
  if (manifest.latent.size_multiple % manifest.latent.vae_scale_factor !== 0) {
    problems.push("latent.size_multiple: must be a multiple of latent.vae_scale_factor");
  }
  if (problems.length > 0) throw manifestError(dir, problems);
  return { dir, manifest, files, tokenizerFile, variant };
}

/** The manifest_invalid error with its list of problems. */
export function manifestError(dir: string, problems: string[]): I2vError {
  return new I2vError(
    "manifest_invalid",
    `The model in ${dir} is not valid:\n  - ${problems.join("\n  - ")}`,
    { problems },
  );
}
