import { readFile } from "node:fs/promises";
import path from "node:path";
import { loadManifest } from "../../../runtime/src/pipeline/manifest.ts";

/** The runtime's verdict on an exported model folder, per precision variant. */
export interface ExportValidation {
  ok: boolean;
  /** Variant -> problems as `path: message` (empty when the runtime accepts it). */
  variants: Partial<Record<"fp32" | "fp16", string[]>>;
}

/**
 * Runs the runtime's own manifest loader on every variant the manifest lists, so an export is
 * accepted here exactly when the runtime would accept it (schema, files present, memory table).
 */
export async function validateExportedModel(dir: string): Promise<ExportValidation> {
  let raw: { components?: Record<string, { files?: Record<string, string> }> };
  try {
    raw = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8"));
  } catch (error) {
    return { ok: false, variants: { fp32: [`manifest.json: ${(error as Error).message}`] } };
  }
  const listed = new Set(Object.values(raw.components ?? {}).flatMap((c) => Object.keys(c.files ?? {})));
  const variants: ExportValidation["variants"] = {};
  for (const variant of (["fp32", "fp16"] as const).filter((v) => listed.has(v))) {
    try {
      await loadManifest(dir, variant);
      variants[variant] = [];
    } catch (error) {
      const problems = (error as { details?: { problems?: string[] } }).details?.problems;
      variants[variant] = problems ?? [(error as Error).message];
    }
  }
  if (Object.keys(variants).length === 0) variants.fp32 = ["components: no variant files listed"];
  return { ok: Object.values(variants).every((p) => p.length === 0), variants };
}
