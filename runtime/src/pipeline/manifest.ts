import { readFile } from "node:fs/promises";
import path from "node:path";
import { I2vError } from "../errors.ts";
import { exists } from "../util/exists.ts";
import { type WanComponentName, wanManifestSchema } from "./families/wan/manifest.ts";
import { type ComponentName, type Manifest, manifestSchema, type Variant } from "./manifest-schema.ts";

export {
  COMPONENT_ROLES,
  type ComponentName,
  type I2vgenManifest,
  type Manifest,
  type Variant,
} from "./manifest-schema.ts";

/** A component of any family (I2VGen-XL's five, Wan's transformer and transformer_2). */
export type AnyComponentName = ComponentName | WanComponentName;

/** A validated manifest with its folder, ready for sessions to be created from it. */
export interface LoadedManifest {
  dir: string;
  manifest: Manifest;
  /** Absolute path of each component's ONNX file for the chosen variant (the family's components only). */
  files: Record<AnyComponentName, string>;
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
  // The family picks the schema; a manifest without one is I2VGen-XL's (and the demo model's).
  const family = (raw as { family?: unknown } | null)?.family;
  const parsed = family === "wan" ? wanManifestSchema.safeParse(raw) : manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw manifestError(
      dir,
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  const manifest: Manifest = parsed.data;
  const problems: string[] = [];
  const files = {} as Record<AnyComponentName, string>;
  for (const name of componentNames(manifest)) {
    const spec = (manifest.components as Record<string, { files: Partial<Record<Variant, string>> }>)[name]!;
    const file = spec.files[variant];
    if (!file) {
      problems.push(
        `components.${name}.files.${variant}: no ${variant} variant (has ${Object.keys(spec.files).join(", ")})`,
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

/** The components this manifest has, in pipeline order. */
export function componentNames(manifest: Manifest): AnyComponentName[] {
  return Object.keys(manifest.components).filter(
    (name) => (manifest.components as Record<string, unknown>)[name] !== undefined,
  ) as AnyComponentName[];
}

/** The manifest_invalid error with its list of problems. */
export function manifestError(dir: string, problems: string[]): I2vError {
  return new I2vError(
    "manifest_invalid",
    `The model in ${dir} is not valid:\n  - ${problems.join("\n  - ")}`,
    { problems },
  );
}
