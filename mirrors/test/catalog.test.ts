import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from "../src/catalog/load.ts";
import { catalogRows, findProvider, parseEcosystems, probeUrl } from "../src/catalog/query.ts";
import { ECOSYSTEMS } from "../src/catalog/schema.ts";
import { detectUpstream } from "../src/upstream/detect.ts";

describe("the shipped catalog", () => {
  it("loads, covers every ecosystem, and says where each fact comes from", async () => {
    const catalog = await loadCatalog();
    const rows = catalogRows(catalog);
    for (const eco of ECOSYSTEMS)
      expect(
        rows.some((r) => r.ecosystem === eco),
        eco,
      ).toBe(true);
    for (const row of rows)
      expect(row.entry.source.length, `${row.mirror}.${row.ecosystem}`).toBeGreaterThan(3);
    for (const name of [
      "tuna",
      "aliyun",
      "ustc",
      "huawei",
      "tencent",
      "sjtug",
      "bfsu",
      "npmmirror",
      "hf-mirror",
    ]) {
      expect(catalog.providers[name], name).toBeDefined();
    }
  });

  it("names no upstream host this machine uses: upstream is read at run time", async () => {
    const text = await readFile(DEFAULT_CATALOG_PATH, "utf8");
    for (const eco of ["debian", "npm", "pypi", "node", "huggingface"] as const) {
      const up = await detectUpstream(eco);
      if (up.found) expect(text, eco).not.toContain(new URL(up.url).host);
    }
  });

  it("resolves probe objects under each entry's base URL", async () => {
    const catalog = await loadCatalog();
    const tuna = catalog.providers.tuna?.offers.debian;
    expect(probeUrl(catalog, "debian", tuna?.url ?? "", tuna)).toBe(
      "https://mirrors.tuna.tsinghua.edu.cn/debian/dists/bookworm/main/Contents-all.gz",
    );
    expect(probeUrl(catalog, "nuget", "https://example.test/v3/index.json")).toBe(
      "https://example.test/v3/index.json",
    );
  });
});

describe("parseCatalog", () => {
  it("reports every problem with its path and line instead of stopping at the first", () => {
    const text = [
      "version: 1",
      "ecosystems: {}",
      "providers:",
      "  upstream:",
      "    name: x",
      "    kind: campus",
      "    site: https://x.test/",
      "    source: s",
      "    offers: {}",
      "  Bad_Name:",
      "    name: y",
      "    kind: nonsense",
      "    site: ftp://y.test/",
      "    source: s",
      "    offers:",
      "      debian: { url: not-a-url }",
    ].join("\n");
    const result = parseCatalog(text, "bad.yaml");
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toContainEqual(expect.stringMatching(/^ecosystems\.debian: /));
    expect(problems).toContainEqual(expect.stringMatching(/^providers\.upstream: .*reserved/));
    expect(problems).toContainEqual(expect.stringMatching(/^providers\.Bad_Name: .*lower-case/));
    expect(problems).toContainEqual(expect.stringMatching(/^providers\.Bad_Name\.kind: .*\(bad\.yaml:12\)$/));
    expect(problems).toContainEqual(
      expect.stringMatching(/^providers\.Bad_Name\.site: must be an http\(s\) URL/),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^providers\.Bad_Name\.offers\.debian\.url: /));
    expect(problems).toContainEqual(expect.stringMatching(/^providers\.Bad_Name\.offers\.debian\.source: /));
  });

  it("reports YAML syntax errors with file, line and column", () => {
    const result = parseCatalog("version: 1\nproviders: [\n", "broken.yaml");
    expect(result.ok ? [] : result.problems).toContainEqual(expect.stringMatching(/^broken\.yaml:\d+:\d+: /));
  });
});

describe("names on the command line", () => {
  it("lists the known mirrors when a name is unknown", async () => {
    const catalog = await loadCatalog();
    expect(() => findProvider(catalog, "tsinghua")).toThrow(/unknown mirror 'tsinghua'/);
    try {
      findProvider(catalog, "tsinghua");
    } catch (error) {
      expect((error as { hint: string }).hint).toMatch(/auto, upstream or one of: .*aliyun.*tuna/);
    }
  });

  it("parses --ecosystem lists, with apt standing for the target's flavour", () => {
    expect(parseEcosystems("apt,npm", "ubuntu")).toEqual(["ubuntu", "npm"]);
    expect(parseEcosystems(undefined)).toEqual([...ECOSYSTEMS]);
    expect(() => parseEcosystems("cargo")).toThrow(/unknown ecosystem 'cargo'/);
  });
});
