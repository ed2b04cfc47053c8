import { rm, stat } from "node:fs/promises";
import type { RepoCache } from "./cache-layout.ts";
import { downloadBlob } from "./download-blob.ts";
import { userError } from "./errors.ts";
import { fileMatches } from "./hash.ts";
import type { HttpContext } from "./http.ts";
import type { FetchEvent, RemoteFile } from "./types.ts";

/** How thoroughly a blob already in the cache is checked before it is trusted. */
export type CacheCheck = "sha256" | "size";

export interface FileJob {
  file: RemoteFile;
  cache: RepoCache;
  commit: string;
  url: string;
  check: CacheCheck;
  stallTimeoutMs?: number;
  /** Fail instead of downloading. */
  offline?: boolean;
  ctx: HttpContext;
  emit: (event: FetchEvent) => void;
}

/**
 * Makes one file present and correct in the snapshot: a cached blob is checked (a corrupt or
 * truncated one is deleted and fetched again), a missing one downloaded; then the snapshot link is
 * made. Says whether the cache had it and how many body bytes were received.
 */
export async function ensureFile(job: FileJob): Promise<{ cached: boolean; received: number }> {
  const { file, cache } = job;
  const blobPath = cache.blob(file.digest.hex);
  const size = await stat(blobPath).then(
    (s) => s.size,
    () => undefined,
  );
  let received = 0;
  let fetched = false;
  if (size !== undefined && (await blobIsGood(blobPath, size, job))) {
    job.emit({ type: "file-cached", path: file.path, size: file.size });
  } else {
    if (size !== undefined) {
      job.emit({ type: "refetch", path: file.path, reason: "cached copy is corrupt" });
      await rm(blobPath, { force: true });
    }
    if (job.offline) {
      throw userError(
        `${job.ctx.repo}: ${file.path} is ${size === undefined ? "missing from" : "corrupt in"} the cache, and offline mode forbids fetching it`,
        "run fetch-model once with network access, or unset HF_HUB_OFFLINE",
        "offline",
      );
    }
    fetched = true;
    received = await downloadBlob({
      url: job.url,
      file,
      blobPath,
      commit: job.commit,
      ctx: job.ctx,
      emit: job.emit,
      stallTimeoutMs: job.stallTimeoutMs,
    });
  }
  await cache.link(job.commit, file.path, file.digest.hex);
  return { cached: !fetched, received };
}

async function blobIsGood(blobPath: string, size: number, job: FileJob): Promise<boolean> {
  if (size !== job.file.size) return false;
  if (job.check === "size") return true;
  return fileMatches(blobPath, job.file.size, job.file.digest);
}
