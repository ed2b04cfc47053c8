import { readFileSync } from "node:fs";
import { shellQuote } from "./shell.ts";

/** The functions both clouds' helpers share, kept as a real .sh file so it reads (and lints) as shell. */
const LIBRARY = readFileSync(new URL("./boot-lib.sh", import.meta.url), "utf8");

/** What one cloud renders: its settings, its arrays, and its body (a .sh file of its own). */
export interface HelperParts {
  /** First comment line: which file rendered it. */
  title: string;
  /** `NAME=value` settings, every value shell-quoted. */
  settings: [string, string][];
  /** Bash arrays (`NAME=( ... )`), each element shell-quoted; `notes` are comments above them. */
  arrays: { name: string; values: string[]; notes?: string[] }[];
  /** The cloud's body: its own steps and the subcommand dispatch. */
  body: string;
}

/**
 * The one renderer of the boot helper: settings, then the shared library, then the cloud's body.
 * Values are data, never code: each is shell-quoted, so a `$` or a quote in config stays literal.
 */
export function renderHelper(parts: HelperParts): string {
  return [
    "#!/bin/bash",
    `# ${parts.title}`,
    ...parts.settings.flatMap(([name, value]) => [...literalNote([value]), `${name}=${shellQuote(value)}`]),
    ...parts.arrays.flatMap(({ name, values, notes = [] }) => [
      ...notes.map((note) => `# ${note.replace(/\n/g, " ")}`),
      ...literalNote(values),
      `${name}=(`,
      ...values.map((value) => `  ${shellQuote(value)}`),
      ")",
    ]),
    LIBRARY,
    parts.body,
  ].join("\n");
}

/** Values are data: a `$` in them must stay literal, which is exactly what ShellCheck's SC2016 asks about. */
function literalNote(values: string[]): string[] {
  return values.some((v) => /[$`]/.test(v))
    ? ["# shellcheck disable=SC2016 # rendered data, literal on purpose"]
    : [];
}
