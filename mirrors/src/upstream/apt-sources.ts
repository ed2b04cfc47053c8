import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** One apt source, from either format, normalised. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** Lower-case option names: `signed-by`, `architectures`, ... */
  options: Record<string, string>;
  file: string;
}

/** Parses classic one-line-style `deb [opts] URI suite comp...` lines. */
export function parseClassicSources(text: string, file = "sources.list"): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const match = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const options: Record<string, string> = {};
    for (const pair of (match[2] ?? "").split(/\s+/).filter(Boolean)) {
      const [key, value = ""] = pair.split("=");
      if (key) options[key.toLowerCase()] = value;
    }
    out.push({
      types: [match[1] ?? "deb"],
      uris: [match[3] ?? ""],
      suites: [match[4] ?? ""],
      components: (match[5] ?? "").split(/\s+/).filter(Boolean),
      options,
      file,
    });
  }
  return out;
}

/** Parses deb822 `.sources` stanzas; `Enabled: no` stanzas are skipped, comments ignored. */
export function parseDeb822Sources(text: string, file = "debian.sources"): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last: string | undefined;
    for (const raw of stanza.split("\n")) {
      if (raw.startsWith("#") || !raw.trim()) continue;
      // Continuation lines (an inline key block) belong to the previous field.
      if (/^\s/.test(raw) && last) {
        fields[last] += `\n${raw.trim()}`;
        continue;
      }
      const colon = raw.indexOf(":");
      if (colon < 0) continue;
      last = raw.slice(0, colon).trim().toLowerCase();
      fields[last] = raw.slice(colon + 1).trim();
    }
    if (!fields.types || !fields.uris || (fields.enabled ?? "yes").toLowerCase() === "no") continue;
    const words = (key: string) => (fields[key] ?? "").split(/\s+/).filter(Boolean);
    const options: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (!["types", "uris", "suites", "components", "enabled"].includes(key)) options[key] = value;
    }
    out.push({
      types: words("types"),
      uris: words("uris"),
      suites: words("suites"),
      components: words("components"),
      options,
      file,
    });
  }
  return out;
}

/** Reads the machine's apt configuration (sources.list and sources.list.d/*.list|*.sources). */
export async function readAptSources(etcApt = "/etc/apt"): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const list = path.join(etcApt, "sources.list");
  const text = await readFile(list, "utf8").catch(() => "");
  out.push(...parseClassicSources(text, list));
  const dir = path.join(etcApt, "sources.list.d");
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    if (name.endsWith(".list")) out.push(...parseClassicSources(await readFile(file, "utf8"), file));
    if (name.endsWith(".sources")) out.push(...parseDeb822Sources(await readFile(file, "utf8"), file));
  }
  return out;
}
