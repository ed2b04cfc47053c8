import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { EXPORT_DIR, type ExportPins } from "./pins.ts";

/** Bump when the stage's Dockerfile changes in a way that changes what the export produces. */
export const EXPORT_STAGE_VERSION = 1;

/** Everything the export's output depends on. */
export interface ExportKeyInput {
  /** Content digest of the model folder (images/src/weights.ts folderDigest). */
  modelDigest: string;
  /** Hub revision (snapshot commit) when known; recorded in the manifest. */
  revision?: string;
  /** Exporter files by name -> content. */
  scripts: Record<string, string>;
  pins: ExportPins;
}

/** JSON with object keys sorted, so the key does not depend on insertion order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * sha256 over model digest, revision, exporter scripts and pins: the export image is tagged with
 * it, so a model revision is exported once, and again only when one of these changes. The mirror
 * is deliberately not part of it: where packages came from does not change what they are.
 */
export function exportCacheKey(input: ExportKeyInput): string {
  return createHash("sha256")
    .update(
      canonical({
        stage: EXPORT_STAGE_VERSION,
        model: input.modelDigest,
        revision: input.revision ?? null,
        scripts: input.scripts,
        pins: input.pins,
      }),
    )
    .digest("hex");
}

/** Wan's exporter files: Wan exports on the host only (torch 2.9 env, docs/wan.md), never in the stage. */
const WAN_ONLY = /^(export_)?wan[_.]/;

/**
 * The I2VGen-XL exporter's Python files (name -> content), the ones the stage copies into the
 * image: every file in images/export but Wan's, so a module the exporter starts importing is never
 * left out, and a Wan edit does not invalidate the stage's cache.
 */
export async function readExporterScripts(dir = EXPORT_DIR): Promise<Record<string, string>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".py") && !WAN_ONLY.test(n)).sort();
  const out: Record<string, string> = {};
  for (const name of names) out[name] = await readFile(path.join(dir, name), "utf8");
  return out;
}

/** The snapshot commit when `dir` is a Hugging Face cache snapshot (…/snapshots/<sha>). */
export function revisionOf(dir: string): string | undefined {
  const parent = path.basename(path.dirname(path.resolve(dir)));
  const base = path.basename(path.resolve(dir));
  return parent === "snapshots" && /^[0-9a-f]{40}$/.test(base) ? base : undefined;
}
