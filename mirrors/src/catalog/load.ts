import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { MirrorUserError } from "../errors.ts";
import { type Catalog, catalogSchema, providerNameProblems } from "./schema.ts";

/** The catalog that ships with the toolkit. */
export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL("../../catalog.yaml", import.meta.url));

/** Either a checked catalog or every problem found, each as `path: message`. */
export type CatalogResult = { ok: true; catalog: Catalog } | { ok: false; problems: string[] };

/**
 * Parses and validates catalog text (YAML or JSON) without throwing, so that a user fixing the file
 * sees all problems at once. Paths are dotted (`providers.tuna.offers.debian.url`) and, where the
 * YAML knows it, carry the line number.
 */
export function parseCatalog(text: string, origin = "catalog"): CatalogResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `${origin}:${pos.line}:${pos.col}: ${e.message.split("\n")[0]}`;
      }),
    };
  }
  const raw: unknown = doc.toJS();
  const checked = catalogSchema.safeParse(raw);
  const names = providerNameProblems(raw);
  if (checked.success && names.length === 0) return { ok: true, catalog: checked.data };
  const issues = checked.success ? [] : checked.error.issues;
  return {
    ok: false,
    problems: [
      ...names,
      ...issues.map((issue) => {
        const path = issue.path.map(String);
        const where = path.length === 0 ? "(root)" : path.join(".");
        const line = lineOf(doc, path, lineCounter);
        return `${where}: ${issue.message}${line ? ` (${origin}:${line})` : ""}`;
      }),
    ],
  };
}

// Walks the YAML tree as far as the path exists so a problem points at a line in the file.
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  path: string[],
  counter: LineCounter,
): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const key of path) {
    if (isMap(node)) node = node.get(key, true);
    else if (isSeq(node)) node = node.get(Number(key), true);
    else break;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) offset = range[0];
  }
  if (offset === undefined) {
    const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
    offset = range?.[0];
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** Reads and checks a catalog file; throws one user-facing error listing every problem. */
export async function loadCatalog(file: string = DEFAULT_CATALOG_PATH): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new MirrorUserError(
      "CATALOG_UNREADABLE",
      `cannot read the mirror catalog ${file}`,
      "check the --catalog path",
      { cause: error },
    );
  }
  const result = parseCatalog(text, file);
  if (result.ok) return result.catalog;
  throw new MirrorUserError(
    "CATALOG_INVALID",
    `the mirror catalog ${file} has ${result.problems.length} problem(s):\n  ${result.problems.join("\n  ")}`,
    "fix the entries named above; the format is described in docs/mirrors.md",
  );
}
