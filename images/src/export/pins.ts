import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { userError } from "../../../runtime/src/util/user-facing-error.ts";

/** Folder of the export stage's own files: the Python exporter, the manifest writer, pins.json. */
export const EXPORT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "export");

/** What the export stage installs; every value is part of the export cache key. */
export interface ExportPins {
  /** Python base image as published upstream (the registry mirror may rewrite its host). */
  pythonBase: string;
  /** torch version; `+cpu` is appended when the mirror serves PyTorch's CPU track. */
  torch: string;
  /** pip package -> exact version. */
  packages: Record<string, string>;
}

const VERSION = /^[0-9][0-9A-Za-z.+-]*$/;

/** Validates parsed pins.json; every problem as `path: message`. */
export function validatePins(raw: unknown): { pins?: ExportPins; problems: string[] } {
  const problems: string[] = [];
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r.pythonBase !== "string" || !r.pythonBase)
    problems.push("pythonBase: expected an image reference");
  if (typeof r.torch !== "string" || !VERSION.test(r.torch))
    problems.push("torch: expected an exact version");
  const packages = (r.packages ?? {}) as Record<string, unknown>;
  if (typeof r.packages !== "object" || r.packages === null) problems.push("packages: expected a map");
  for (const [name, version] of Object.entries(packages)) {
    // Exact pins only: a range would let the export change without the cache key changing.
    if (typeof version !== "string" || !VERSION.test(version))
      problems.push(`packages.${name}: expected an exact version, got ${JSON.stringify(version)}`);
  }
  if (problems.length) return { problems };
  // Only these fields: a comment edit in pins.json must not change the cache key.
  const pins: ExportPins = {
    pythonBase: r.pythonBase as string,
    torch: r.torch as string,
    packages: packages as Record<string, string>,
  };
  return { pins, problems };
}

/** Reads and validates images/export/pins.json (or `file`). */
export async function loadExportPins(file = path.join(EXPORT_DIR, "pins.json")): Promise<ExportPins> {
  const { pins, problems } = validatePins(JSON.parse(await readFile(file, "utf8")));
  if (!pins) throw userError(`${file} is not valid:\n  - ${problems.join("\n  - ")}`, "fix the pins file");
  return pins;
}

/** pip requirement lines, torch first (it decides most of what the others resolve against). */
export function requirementLines(pins: ExportPins, torchTrack: string | undefined): string[] {
  const torch = `torch==${pins.torch}${torchTrack ? `+${torchTrack}` : ""}`;
  const rest = Object.entries(pins.packages)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]) => `${name}==${version}`);
  return [torch, ...rest];
}
