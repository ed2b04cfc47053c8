import { readFile } from "node:fs/promises";
import path from "node:path";
import type { RenderOptions } from "../../../mirrors/src/index.ts";
import {
  type Catalog,
  type Ecosystem,
  renderMirrorConfig,
  selectMirrors,
} from "../../../mirrors/src/index.ts";

/** What the mirror means for the export stage. */
export interface ExportMirror {
  /** `<outDir>/pip.conf` was written. */
  pipConf: boolean;
  /** The pip.conf's find-links serves this PyTorch track. */
  torchTrack?: string;
  /** HF_ENDPOINT and friends, from mirrors.env. */
  env: Record<string, string>;
}

/** Ecosystems the export stage fetches from: pip packages, PyTorch wheels, the model hub's endpoint. */
export const EXPORT_ECOSYSTEMS: readonly Ecosystem[] = ["pypi", "pytorch", "huggingface"];

/**
 * Renders pip.conf and mirrors.env into `outDir` through the mirrors package (no host names here).
 * The PyTorch track is `cpu`: the export runs inside a docker build, which has no GPU.
 */
export async function renderExportMirror(options: {
  catalog: Catalog;
  mirror: RenderOptions["mirror"];
  outDir: string;
  detect?: RenderOptions["detect"];
}): Promise<ExportMirror> {
  const track = "cpu";
  const report = await renderMirrorConfig({
    catalog: options.catalog,
    mirror: options.mirror,
    ecosystems: EXPORT_ECOSYSTEMS,
    outDir: options.outDir,
    // The python base is Debian bookworm; apt is not rendered here, but the renderer wants a target.
    distro: { id: "debian", codename: "bookworm" },
    pytorchTrack: track,
    ...(options.detect ? { detect: options.detect } : {}),
  });
  const names = report.files.map((f) => path.basename(f));
  const pip = names.includes("pip.conf") ? await readFile(path.join(options.outDir, "pip.conf"), "utf8") : "";
  const env: Record<string, string> = {};
  if (names.includes("mirrors.env")) {
    for (const line of (await readFile(path.join(options.outDir, "mirrors.env"), "utf8")).split("\n")) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m) env[m[1] as string] = m[2] as string;
    }
  }
  return {
    pipConf: pip.length > 0,
    ...(pip.includes("find-links") ? { torchTrack: track } : {}),
    env,
  };
}

/**
 * The bake's `--mirror` value as the export stage's choice: `upstream`/`none` leave pip and the hub
 * alone, a provider name is used for the ecosystems it offers, and `auto` probes the catalog for
 * PyPI, PyTorch wheels and the hub (mirrors' selectMirrors, cached probe results reused).
 */
export async function exportMirrorChoice(
  spec: string,
  catalog: Catalog,
  options: { deadlineMs?: number } = {},
): Promise<RenderOptions["mirror"]> {
  if (spec === "upstream" || spec === "none") return "upstream";
  if (spec !== "auto") return spec;
  const { choices } = await selectMirrors({ catalog, ecosystems: EXPORT_ECOSYSTEMS, ...options });
  return choices;
}
