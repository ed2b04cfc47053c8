import { readFile } from "node:fs/promises";
import { runTool as run } from "../../../runtime/src/util/run-tool.ts";

/** The distribution a machine (or image) runs, from os-release. */
export interface Distro {
  id: string;
  codename: string;
}

/** Reads ID and VERSION_CODENAME from an os-release file; undefined when absent or unreadable. */
export async function readDistro(file = "/etc/os-release"): Promise<Distro | undefined> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (!text) return undefined;
  const field = (key: string) => new RegExp(`^${key}=["']?([^"'\\n]*)`, "m").exec(text)?.[1];
  const id = field("ID");
  const codename = field("VERSION_CODENAME");
  return id && codename ? { id, codename } : undefined;
}

/** Runs a tool and returns its trimmed stdout, or undefined when it is missing, fails or says nothing. */
export type ToolRunner = (command: string, args: string[]) => Promise<string | undefined>;

/** The real runner: 10 s per tool, since a hung tool must not hold up rendering. */
export const runTool: ToolRunner = async (command, args) => {
  const out = await run(command, args, { timeoutMs: 10_000 }).then(
    (r) => r.stdout.trim(),
    () => undefined,
  );
  return !out || out === "undefined" || out === "null" ? undefined : out;
};
