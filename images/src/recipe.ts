import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { userError } from "../../runtime/src/util/user-facing-error.ts";

/** An image recipe: everything that decides what goes into the image, as data. */
export interface Recipe {
  name: string;
  /** Base image reference as published upstream (the mirror may rewrite its registry host). */
  base: string;
  distro: { family: "debian" | "ubuntu"; codename: string };
  /** apt packages for the system layer. */
  systemPackages: string[];
  /** npm specs: the Node binary package (bin/node) and npm, used only in the build stage. */
  node: { package: string; npm: string };
  /** `include`: folders of the workspace copied into the image beside its package.json. */
  runtime: { workspace: string; build: string[]; entry: string; port: number; include: string[] };
  user: { name: string; uid: number };
  env: Record<string, string>;
  labels: Record<string, string>;
}

/** Folder holding the shipped recipes. */
export const RECIPES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "recipes");

type Problems = string[];

function str(v: unknown, at: string, problems: Problems): string {
  if (typeof v === "string" && v.length > 0) return v;
  problems.push(`${at}: expected a non-empty string`);
  return "";
}

function strList(v: unknown, at: string, problems: Problems): string[] {
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  problems.push(`${at}: expected a list of strings`);
  return [];
}

function strMap(v: unknown, at: string, problems: Problems): Record<string, string> {
  if (v === undefined) return {};
  if (v && typeof v === "object" && Object.values(v).every((x) => typeof x === "string"))
    return v as Record<string, string>;
  problems.push(`${at}: expected a map of strings`);
  return {};
}

/** Validates parsed YAML; returns the recipe or every problem as `path: message`. */
export function validateRecipe(raw: unknown): { recipe?: Recipe; problems: string[] } {
  const p: Problems = [];
  // biome-ignore lint/suspicious/noExplicitAny: untrusted YAML, narrowed field by field below.
  const r = (raw ?? {}) as Record<string, any>;
  const family = r.distro?.family;
  if (family !== "debian" && family !== "ubuntu") p.push("distro.family: expected debian or ubuntu");
  const port = r.runtime?.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) p.push("runtime.port: expected a TCP port");
  const uid = r.user?.uid;
  if (!Number.isInteger(uid) || uid < 1000) p.push("user.uid: expected an integer >= 1000 (not root)");
  const packages = strList(r.systemPackages ?? [], "systemPackages", p);
  for (const name of packages)
    if (!/^[a-z0-9][a-z0-9+.-]*$/.test(name))
      p.push(`systemPackages: "${name}" is not a Debian package name`);
  const recipe: Recipe = {
    name: str(r.name, "name", p),
    base: str(r.base, "base", p),
    distro: { family, codename: str(r.distro?.codename, "distro.codename", p) },
    systemPackages: packages,
    node: { package: str(r.node?.package, "node.package", p), npm: str(r.node?.npm, "node.npm", p) },
    runtime: {
      workspace: str(r.runtime?.workspace, "runtime.workspace", p),
      build: strList(r.runtime?.build ?? [], "runtime.build", p),
      entry: str(r.runtime?.entry, "runtime.entry", p),
      port,
      include: strList(r.runtime?.include ?? ["dist"], "runtime.include", p),
    },
    user: { name: str(r.user?.name, "user.name", p), uid },
    env: strMap(r.env, "env", p),
    labels: strMap(r.labels, "labels", p),
  };
  return p.length ? { problems: p } : { recipe, problems: [] };
}

/** Loads a recipe by name (from {@link RECIPES_DIR}) or path, failing with every problem listed. */
export async function loadRecipe(nameOrPath: string): Promise<Recipe> {
  const file = nameOrPath.includes("/") ? nameOrPath : path.join(RECIPES_DIR, `${nameOrPath}.yaml`);
  const text = await readFile(file, "utf8").catch(() => {
    throw userError(`no recipe at ${file}`, `use a file path or one of the names in ${RECIPES_DIR}`);
  });
  const { recipe, problems } = validateRecipe(parse(text));
  if (!recipe)
    throw userError(`recipe ${file} is invalid:\n  ${problems.join("\n  ")}`, "fix the fields listed");
  return recipe;
}

/** Stable hash of a recipe (key order does not matter), recorded as an image label. */
export function recipeHash(recipe: Recipe): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  return createHash("sha256")
    .update(JSON.stringify(canonical(recipe)))
    .digest("hex")
    .slice(0, 16);
}
