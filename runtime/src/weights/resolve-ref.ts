import { stat } from "node:fs/promises";
import path from "node:path";
import { defaultCacheDir, RepoCache } from "./cache-layout.ts";
import { userError } from "./errors.ts";
import { readLock } from "./lock.ts";
import { formatModelRef, isCommitSha, parseModelRef } from "./ref.ts";

export interface ResolveOptions {
  /** Cache directory; default from HF_HUB_CACHE / HF_HOME. */
  cacheDir?: string;
  /**
   * A lock file: its pinned commit is used when the reference names no revision, and every file it
   * lists must be in the snapshot.
   */
  lockFile?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Turns what a user gives the runtime as a model into an absolute folder: either a folder path
 * (`./models/x`, `/srv/model`) or a cache reference `org/name[@revision]`, looked up in the
 * Hugging Face cache through `refs/` like huggingface_hub does, without any network access.
 * Throws a user-facing error, with the command that fetches it, when the model is not cached.
 */
export async function resolveModelRef(refOrFolder: string, options: ResolveOptions = {}): Promise<string> {
  if (looksLikeFolder(refOrFolder)) {
    const folder = path.resolve(refOrFolder);
    if (await isDir(folder)) return folder;
    throw userError(
      `model folder not found: ${folder}`,
      "check the path, or give a reference like org/name@main",
      "model_not_found",
    );
  }
  const ref = parseModelRef(refOrFolder);
  const cacheDir = options.cacheDir ?? defaultCacheDir(options.env);
  const cache = new RepoCache(cacheDir, ref.repo);
  const locked = options.lockFile ? (await readLock(options.lockFile))?.models[ref.repo] : undefined;
  const revision = ref.revision ?? locked?.revision ?? "main";
  const commit = isCommitSha(revision) ? revision : await cache.readRef(revision);
  const folder = commit ? cache.snapshotDir(commit) : undefined;
  if (folder && (await isDir(folder))) {
    // With a lock, an interrupted fetch (a snapshot missing files) is caught here, not at load time.
    const missing =
      locked && locked.revision === commit ? await missingFiles(folder, Object.keys(locked.files)) : [];
    if (missing.length === 0) return folder;
    throw userError(
      `model ${formatModelRef({ repo: ref.repo, revision })} is incomplete in the cache: ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", ..." : ""} missing`,
      `finish the download: npm run fetch-model -- ${formatModelRef(ref)}`,
      "model_incomplete",
    );
  }
  throw userError(
    `model ${formatModelRef({ repo: ref.repo, revision })} is not in the cache at ${cacheDir}`,
    `fetch it first: npm run fetch-model -- ${formatModelRef(ref)}${options.cacheDir ? ` --cache ${cacheDir}` : ""}`,
    "model_not_cached",
  );
}

function looksLikeFolder(text: string): boolean {
  return path.isAbsolute(text) || text.startsWith("./") || text.startsWith("../") || text === ".";
}

async function missingFiles(folder: string, files: string[]): Promise<string[]> {
  const present = await Promise.all(
    files.map((f) =>
      stat(path.join(folder, f)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return files.filter((_, i) => !present[i]);
}

async function isDir(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
