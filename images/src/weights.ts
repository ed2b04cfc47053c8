import { createHash } from "node:crypto";
import { copyFile, link, mkdir, mkdtemp, readdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { resolveModelRef } from "../../runtime/src/weights/index.ts";
import type { DockerClient } from "./docker-client.ts";

/** The model a bake serves: the built-in demo, or a folder of weights with a content digest. */
export type ResolvedModel =
  | { kind: "demo" }
  | { kind: "folder"; ref: string; dir: string; slug: string; digest: string; bytes: number };

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Relative file paths under `dir`, following symlinks (the HF cache's snapshots are symlinks). */
async function files(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (await isDir(path.join(dir, rel))) out.push(...(await files(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * sha256 over (path, size, target blob name): HF cache blobs are named by their content hash. Also
 * the folder's size, read in the same pass.
 */
async function folderDigest(dir: string): Promise<{ digest: string; bytes: number }> {
  const h = createHash("sha256");
  let bytes = 0;
  for (const rel of await files(dir)) {
    const real = await realpath(path.join(dir, rel));
    const { size } = await stat(real);
    bytes += size;
    h.update(`${rel}\0${size}\0${path.basename(real)}\n`);
  }
  return { digest: h.digest("hex"), bytes };
}

/**
 * `demo`, a local folder, or a Hub reference (`org/name[@revision]`) resolved in the SSD cache
 * (the Hugging Face cache layout) by the runtime's models module, without network access.
 */
export async function resolveModel(ref: string, cacheDir?: string): Promise<ResolvedModel> {
  if (ref === "demo") return { kind: "demo" };
  const dir = await resolveModelRef(ref, cacheDir ? { cacheDir } : {});
  const slug =
    path
      .basename(ref.split("@")[0] ?? ref)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-") || "model";
  return { kind: "folder", ref, dir, slug, ...(await folderDigest(dir)) };
}

/**
 * Builds `i2v-weights/<slug>:<digest>` (FROM scratch, files under /weights) once per digest. The app
 * image copies from it, so a code-only rebuild never sends gigabytes of weights to the engine again.
 */
export async function ensureWeightsImage(
  client: DockerClient,
  model: Extract<ResolvedModel, { kind: "folder" }>,
  workDir: string,
): Promise<string> {
  const tag = `i2v-weights/${model.slug}:${model.digest.slice(0, 16)}`;
  if (await client.inspect(tag)) return tag;
  // A folder of its own: parallel bakes may build the same image at once (same tag, same content).
  await mkdir(workDir, { recursive: true });
  const ctx = await mkdtemp(path.join(workDir, "weights-context-"));
  for (const rel of await files(model.dir)) {
    const target = path.join(ctx, "weights", rel);
    await mkdir(path.dirname(target), { recursive: true });
    const real = await realpath(path.join(model.dir, rel));
    // Hard links cost nothing on the same disk; copy across file systems.
    await link(real, target).catch(() => copyFile(real, target));
  }
  await writeFile(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY weights/ /weights/\n");
  await client.build(ctx, { tag }).finally(() => rm(ctx, { recursive: true, force: true }));
  return tag;
}
