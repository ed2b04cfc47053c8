import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import { zodProblems } from "../../runtime/src/util/zod-problems.ts";

const NON_EMPTY = "expected a non-empty string";
const text = () => z.string({ error: NON_EMPTY }).min(1, NON_EMPTY);
const textList = () => z.array(z.string(), { error: "expected a list of strings" });
const textMap = () =>
  z.record(z.string(), z.string({ error: "expected a string" }), { error: "expected a map of strings" });
/** A nested section whose absence reports its missing fields (a default that is still parsed). */
const section = <T extends z.ZodRawShape>(shape: T) => z.preprocess((v) => v ?? {}, z.object(shape));

/** An image recipe: everything that decides what goes into the image, as data (YAML in images/recipes). */
export const recipeSchema = z.object({
  name: text(),
  /** Base image reference as published upstream (the mirror may rewrite its registry host). */
  base: text(),
  distro: section({
    family: z.enum(["debian", "ubuntu"], { error: "expected debian or ubuntu" }),
    codename: text(),
  }),
  /** apt packages for the system layer. */
  systemPackages: textList()
    .default([])
    .superRefine((names, ctx) => {
      for (const name of names)
        if (!/^[a-z0-9][a-z0-9+.-]*$/.test(name))
          ctx.addIssue({ code: "custom", message: `"${name}" is not a Debian package name` });
    }),
  /** npm specs: the Node binary package (bin/node) and npm, used only in the build stage. */
  node: section({ package: text(), npm: text() }),
  runtime: section({
    workspace: text(),
    build: textList().default([]),
    entry: text(),
    port: z
      .number({ error: "expected a TCP port" })
      .refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, "expected a TCP port"),
    /** Folders of the workspace copied into the image beside its package.json. */
    include: textList().default(["dist"]),
  }),
  user: section({
    name: text(),
    uid: z
      .number({ error: "expected an integer >= 1000 (not root)" })
      .refine((n) => Number.isInteger(n) && n >= 1000, "expected an integer >= 1000 (not root)"),
  }),
  env: textMap().default({}),
  labels: textMap().default({}),
});

export type Recipe = z.output<typeof recipeSchema>;

/** Folder holding the shipped recipes. */
export const RECIPES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "recipes");

/** Validates parsed YAML; returns the recipe or every problem as `path: message`. */
export function validateRecipe(raw: unknown): { recipe?: Recipe; problems: string[] } {
  const parsed = recipeSchema.safeParse(raw ?? {});
  return parsed.success ? { recipe: parsed.data, problems: [] } : { problems: zodProblems(parsed.error) };
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
