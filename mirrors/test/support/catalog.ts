import { loadCatalog } from "../../src/catalog/load.ts";
import type { Catalog, CatalogEntry, Ecosystem } from "../../src/catalog/schema.ts";

/**
 * The shipped catalog's ecosystem defaults with test providers: the catalog is injectable, so
 * tests point mirrors at loopback servers instead of the internet.
 */
export async function catalogWith(
  providers: Record<string, Partial<Record<Ecosystem, Omit<CatalogEntry, "source">>>>,
): Promise<Catalog> {
  const shipped = await loadCatalog();
  const out: Catalog = { version: 1, ecosystems: shipped.ecosystems, providers: {} };
  for (const [name, offers] of Object.entries(providers)) {
    const withSource = Object.fromEntries(
      Object.entries(offers).map(([eco, entry]) => [eco, { ...entry, source: "test fixture" }]),
    );
    out.providers[name] = {
      name,
      kind: "campus",
      site: "http://127.0.0.1/",
      source: "test fixture",
      offers: withSource,
    };
  }
  return out;
}
