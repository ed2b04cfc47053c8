/**
 * The export stage's Dockerfile, cache key and mirror config: what a reviewer would check in the
 * rendered text (pins, pip through the mirror, layer order, result under /weights), and that the
 * cache key moves exactly when the export's inputs do.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Catalog, loadCatalog } from "../../../mirrors/src/index.ts";
import { exportCacheKey, readExporterScripts, revisionOf } from "../../src/export/cache-key.ts";
import { type ExportStagePlan, renderExportDockerfile } from "../../src/export/dockerfile.ts";
import { exportMirrorChoice, renderExportMirror } from "../../src/export/mirror.ts";
import { type ExportPins, loadExportPins, validatePins } from "../../src/export/pins.ts";

let pins: ExportPins;
let catalog: Catalog;
beforeAll(async () => {
  pins = await loadExportPins();
  catalog = await loadCatalog();
});

const plan = (over: Partial<ExportStagePlan> = {}): ExportStagePlan => ({
  pins,
  baseRef: pins.pythonBase,
  pipConf: true,
  torchTrack: "cpu",
  env: { HF_ENDPOINT: "https://hub.example.test" },
  cacheKey: "k".repeat(64),
  revision: "a".repeat(40),
  ...over,
});

describe("export stage Dockerfile", () => {
  it("installs every pinned package at its exact version, torch from the mirror's CPU track", () => {
    const text = renderExportDockerfile(plan());
    expect(text).toContain(`FROM ${pins.pythonBase} AS export`);
    expect(text).toContain(`torch==${pins.torch}+cpu`);
    for (const [name, version] of Object.entries(pins.packages))
      expect(text).toContain(`${name}==${version}`);
    expect(text).not.toMatch(/[a-z]>=|~=/);
  });

  it("uses the mirror's pip.conf and HF endpoint, and fetches nothing from the hub during the export", () => {
    const text = renderExportDockerfile(plan());
    expect(text).toContain("COPY mirror/pip.conf /etc/pip.conf");
    expect(text).toContain('HF_ENDPOINT="https://hub.example.test"');
    expect(text).toContain('HF_HUB_OFFLINE="1"');
    const upstream = renderExportDockerfile(plan({ pipConf: false, torchTrack: undefined, env: {} }));
    expect(upstream).not.toContain("pip.conf");
    expect(upstream).toContain(`torch==${pins.torch} \\`);
  });

  it("installs packages before copying the exporter and the weights, so an exporter edit reuses them", () => {
    const lines = renderExportDockerfile(plan()).split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(at("pip install")).toBeGreaterThan(-1);
    expect(at("pip install")).toBeLessThan(at("COPY export/"));
    expect(at("COPY export/")).toBeLessThan(at("COPY model/"));
    expect(at("COPY model/")).toBeLessThan(at("export_i2vgen_xl.py --model-dir /model --out /out"));
  });

  it("leaves only the export under /weights in a scratch image, labelled with its key and revision", () => {
    const text = renderExportDockerfile(plan());
    const final = text.slice(text.lastIndexOf("FROM "));
    expect(final).toMatch(/^FROM scratch\nCOPY --from=export \/out\/ \/weights\/\n/);
    expect(final).toContain(`"io.i2v.export.key"="${"k".repeat(64)}"`);
    expect(text).toContain(`--revision ${"a".repeat(40)}`);
  });
});

describe("export cache key", () => {
  const base = async () => ({
    modelDigest: "d".repeat(64),
    revision: "a".repeat(40),
    scripts: await readExporterScripts(),
    pins,
  });

  it("covers the exporter and the manifest writer", async () => {
    expect(Object.keys((await base()).scripts)).toEqual([
      "export_i2vgen_xl.py",
      "i2v_manifest.py",
      "torch_compat.py",
    ]);
  });

  it("is stable for the same inputs, whatever their key order", async () => {
    const input = await base();
    const reordered = {
      ...input,
      pins: { packages: input.pins.packages, torch: input.pins.torch, pythonBase: input.pins.pythonBase },
    };
    expect(exportCacheKey(reordered)).toBe(exportCacheKey(input));
  });

  it.each([
    ["the model revision", (i: Awaited<ReturnType<typeof base>>) => ({ ...i, revision: "b".repeat(40) })],
    ["the model's content", (i: Awaited<ReturnType<typeof base>>) => ({ ...i, modelDigest: "e".repeat(64) })],
    [
      "the exporter script",
      (i: Awaited<ReturnType<typeof base>>) => ({
        ...i,
        scripts: { ...i.scripts, "export_i2vgen_xl.py": `${i.scripts["export_i2vgen_xl.py"]}\n# edit` },
      }),
    ],
    [
      "a package pin",
      (i: Awaited<ReturnType<typeof base>>) => ({
        ...i,
        pins: { ...i.pins, packages: { ...i.pins.packages, diffusers: "0.32.0" } },
      }),
    ],
    [
      "the torch pin",
      (i: Awaited<ReturnType<typeof base>>) => ({ ...i, pins: { ...i.pins, torch: "2.6.0" } }),
    ],
  ])("changes with %s", async (_what, change) => {
    const input = await base();
    expect(exportCacheKey(change(input))).not.toBe(exportCacheKey(input));
  });

  it("reads the revision from a Hugging Face cache snapshot path only", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(revisionOf(`/cache/models--ali-vilab--i2vgen-xl/snapshots/${sha}`)).toBe(sha);
    expect(revisionOf("/models/i2vgen-xl")).toBeUndefined();
  });
});

describe("export pins", () => {
  it("accepts the shipped pins and rejects ranges, listing every problem", () => {
    expect(validatePins(pins).problems).toEqual([]);
    const { problems } = validatePins({
      ...pins,
      torch: ">=2",
      packages: { onnx: "^1.17", numpy: "1.26.4" },
    });
    expect(problems).toEqual([
      "torch: expected an exact version",
      'packages.onnx: expected an exact version, got "^1.17"',
    ]);
  });
});

describe("export mirror config (rendered by mirrors/)", () => {
  const out = () => mkdtemp(path.join(os.tmpdir(), "i2v-export-mirror-"));

  it("a provider with PyPI and PyTorch wheels: pip.conf with its index and the cpu track", async () => {
    const dir = await out();
    const result = await renderExportMirror({ catalog, mirror: "aliyun", outDir: dir });
    expect(result).toMatchObject({ pipConf: true, torchTrack: "cpu" });
    const pip = await readFile(path.join(dir, "pip.conf"), "utf8");
    expect(pip).toContain(`index-url = ${catalog.providers.aliyun?.offers.pypi?.url}`);
    expect(pip).toMatch(/find-links = .*\/cpu\/\n/);
  });

  it("the hub mirror sets HF_ENDPOINT from the catalog", async () => {
    const result = await renderExportMirror({
      catalog,
      mirror: { pypi: "tuna", huggingface: "hf-mirror" },
      outDir: await out(),
      detect: async () => ({ found: false, reason: "test" }),
    });
    expect(result.env.HF_ENDPOINT).toBe(catalog.providers["hf-mirror"]?.offers.huggingface?.url);
    expect(result).toMatchObject({ pipConf: true });
    expect(result.torchTrack).toBeUndefined();
  });

  it("upstream: no pip.conf, pip's own default index", async () => {
    const result = await renderExportMirror({
      catalog,
      mirror: "upstream",
      outDir: await out(),
      detect: async () => ({ found: false, reason: "test" }),
    });
    expect(result).toEqual({ pipConf: false, env: {} });
  });

  it("maps the bake's --mirror: none and upstream leave pip alone, a provider name is kept", async () => {
    expect(await exportMirrorChoice("none", catalog)).toBe("upstream");
    expect(await exportMirrorChoice("upstream", catalog)).toBe("upstream");
    expect(await exportMirrorChoice("tuna", catalog)).toBe("tuna");
  });
});
