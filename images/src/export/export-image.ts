import { copyFile, link, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Catalog, RenderOptions } from "../../../mirrors/src/index.ts";
import type { DockerClient } from "../docker-client.ts";
import type { ResolvedModel } from "../weights.ts";
import { exportCacheKey, readExporterScripts, revisionOf } from "./cache-key.ts";
import { renderExportDockerfile } from "./dockerfile.ts";
import { renderExportMirror } from "./mirror.ts";
import { EXPORT_DIR, loadExportPins } from "./pins.ts";

type FolderModel = Extract<ResolvedModel, { kind: "folder" }>;

/**
 * True when the folder is a diffusers I2VGen-XL pipeline that still needs exporting (no manifest
 * of its own). A folder that already holds an i2v-manifest is baked as is.
 */
export async function needsExport(dir: string): Promise<boolean> {
  if (await exists(path.join(dir, "manifest.json"))) return false;
  const index = await readFile(path.join(dir, "model_index.json"), "utf8").catch(() => undefined);
  return index !== undefined && JSON.parse(index)._class_name === "I2VGenXLPipeline";
}

export interface ExportImageOptions {
  catalog: Catalog;
  /** Provider name, `upstream`, or a choice per ecosystem (mirrors' autoChoice). */
  mirror: RenderOptions["mirror"];
  /** The Python base after mirrorImageRef(); default the pinned one as published. */
  baseRef?: string;
  /** Scratch folder for the build context. */
  workDir: string;
  log?: (line: string) => void;
}

/**
 * Builds `i2v-export/<slug>:<key>` once per export cache key (model digest + revision + exporter
 * + pins) and returns the tag. The image holds the exported model under /weights, so the bake uses
 * it exactly like a weights image: `DockerfilePlan.weightsImage = tag`.
 */
export async function ensureExportImage(
  client: DockerClient,
  model: FolderModel,
  options: ExportImageOptions,
): Promise<string> {
  const pins = await loadExportPins();
  const scripts = await readExporterScripts();
  const revision = revisionOf(model.dir);
  const key = exportCacheKey({ modelDigest: model.digest, revision, scripts, pins });
  const tag = `i2v-export/${model.slug}:${key.slice(0, 16)}`;
  if (await client.inspect(tag)) {
    options.log?.(`export ${tag} exists; not exporting again`);
    return tag;
  }
  const ctx = path.join(options.workDir, "export-context");
  await rm(ctx, { recursive: true, force: true });
  await mkdir(path.join(ctx, "export"), { recursive: true });
  for (const [name, text] of Object.entries(scripts)) await writeFile(path.join(ctx, "export", name), text);
  await copyFile(path.join(EXPORT_DIR, "pins.json"), path.join(ctx, "export", "pins.json"));
  const mirror = await renderExportMirror({
    catalog: options.catalog,
    mirror: options.mirror,
    outDir: path.join(ctx, "mirror"),
  });
  await linkTree(model.dir, path.join(ctx, "model"));
  const dockerfile = renderExportDockerfile({
    pins,
    baseRef: options.baseRef ?? pins.pythonBase,
    pipConf: mirror.pipConf,
    ...(mirror.torchTrack ? { torchTrack: mirror.torchTrack } : {}),
    env: mirror.env,
    cacheKey: key,
    ...(revision ? { revision } : {}),
  });
  await writeFile(path.join(ctx, "Dockerfile"), dockerfile);
  options.log?.(`exporting ${model.ref} to ONNX (${tag}); this takes a while on CPU`);
  await client.build(ctx, { tag });
  await rm(ctx, { recursive: true, force: true });
  return tag;
}

/** Hard links (copies across file systems) of every file under `from`, following the HF cache's symlinks. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from)) {
    const source = path.join(from, entry);
    const target = path.join(to, entry);
    if ((await stat(source)).isDirectory()) await linkTree(source, target);
    else {
      const real = await realpath(source);
      await link(real, target).catch(() => copyFile(real, target));
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
