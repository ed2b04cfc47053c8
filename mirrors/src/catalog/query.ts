import { MirrorUserError } from "../errors.ts";
import type { Catalog, CatalogEntry, Ecosystem, Provider } from "./schema.ts";
import { ECOSYSTEMS } from "./schema.ts";

/** One provider's offer for one ecosystem, flattened for tables and probing. */
export interface CatalogRow {
  mirror: string;
  provider: Provider;
  ecosystem: Ecosystem;
  entry: CatalogEntry;
}

/** Every (provider, ecosystem) pair, optionally limited to some ecosystems, in catalog order. */
export function catalogRows(catalog: Catalog, ecosystems?: readonly Ecosystem[]): CatalogRow[] {
  const rows: CatalogRow[] = [];
  for (const [mirror, provider] of Object.entries(catalog.providers)) {
    for (const ecosystem of ECOSYSTEMS) {
      const entry = provider.offers[ecosystem];
      if (entry && (!ecosystems || ecosystems.includes(ecosystem)))
        rows.push({ mirror, provider, ecosystem, entry });
    }
  }
  return rows;
}

/** The provider called `name`; an unknown name is a user error that lists the known ones. */
export function findProvider(catalog: Catalog, name: string): Provider {
  const provider = catalog.providers[name];
  if (provider) return provider;
  const known = Object.keys(catalog.providers).sort();
  throw new MirrorUserError(
    "UNKNOWN_MIRROR",
    `unknown mirror '${name}'`,
    `use auto, upstream or one of: ${known.join(", ")}`,
  );
}

/** Parses `--ecosystem a,b`; `apt` stands for the given apt flavour. Unknown names are user errors. */
export function parseEcosystems(list: string | undefined, aptFlavour: Ecosystem = "debian"): Ecosystem[] {
  if (!list) return [...ECOSYSTEMS];
  const out: Ecosystem[] = [];
  for (const raw of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const name = raw === "apt" ? aptFlavour : raw;
    if (!(ECOSYSTEMS as readonly string[]).includes(name)) {
      throw new MirrorUserError(
        "UNKNOWN_ECOSYSTEM",
        `unknown ecosystem '${raw}'`,
        `use apt or one of: ${ECOSYSTEMS.join(", ")}`,
      );
    }
    if (!out.includes(name as Ecosystem)) out.push(name as Ecosystem);
  }
  return out;
}

/** The URL to probe for an entry: its own probe path, or the ecosystem's, under its base URL. */
export function probeUrl(
  catalog: Catalog,
  ecosystem: Ecosystem,
  baseUrl: string,
  entry?: CatalogEntry,
): string {
  const path = entry?.probe ?? catalog.ecosystems[ecosystem].probe;
  if (path === "") return baseUrl;
  return new URL(path, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).href;
}

/** Statuses that count as a healthy answer for this entry (206/200 unless the catalog says otherwise). */
export function acceptedStatuses(catalog: Catalog, ecosystem: Ecosystem, entry?: CatalogEntry): number[] {
  return entry?.acceptStatus ?? catalog.ecosystems[ecosystem].acceptStatus ?? [200, 206];
}
