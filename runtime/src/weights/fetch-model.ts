import { mkdir } from "node:fs/promises";
import path from "node:path";
import { defaultCacheDir, RepoCache } from "./cache-layout.ts";
import { bytesStillNeeded } from "./cached-size.ts";
import { checkFreeSpace } from "./disk.ts";
import { type Endpoint, resolveEndpoint, resolveToken } from "./endpoint.ts";
import { userError } from "./errors.ts";
import { type CacheCheck, ensureFile } from "./fetch-file.ts";
import { selectPaths } from "./glob.ts";
import type { HttpContext } from "./http.ts";
import { type LockFile, lockFromSnapshot, readLock, snapshotFromLock, writeLock } from "./lock.ts";
import { forEachBounded } from "./pool.ts";
import { isCommitSha, type ModelRef, parseModelRef } from "./ref.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.ts";
import { fileUrl, listSnapshot } from "./sources/index.ts";
import type { FetchEvent, FetchModelResult, Snapshot } from "./types.ts";

export interface FetchModelOptions {
  /** `org/name[@revision]`. */
  ref: string | ModelRef;
  /** Cache directory; default from HF_HUB_CACHE / HF_HOME (see `defaultCacheDir`). */
  cacheDir?: string;
  /** Endpoint URL (Hub protocol) or an endpoint with its protocol; overrides `mirror` and HF_ENDPOINT. */
  endpoint?: string | Endpoint;
  /** A named mirror: `hf-mirror` or `modelscope`. */
  mirror?: string;
  /** Access token; default HF_TOKEN or the token file huggingface_hub's login writes. */
  token?: string;
  /** fnmatch patterns of files to fetch (all when empty). */
  include?: string[];
  exclude?: string[];
  /** Lock file path; `null` for none. Default `models.lock.json` in the working directory. */
  lockFile?: string | null;
  /** Re-resolve the revision and rewrite this model's lock entry instead of verifying against it. */
  updateLock?: boolean;
  /**
   * No network at all: verify the cache against the lock and fail on anything missing. Default:
   * HF_HUB_OFFLINE, as huggingface_hub reads it.
   */
  offline?: boolean;
  /** Files in flight at once. Default 4. */
  concurrency?: number;
  /** `sha256` (default) rehashes cached blobs; `size` trusts a blob of the right size. */
  cacheCheck?: CacheCheck;
  retry?: Partial<RetryPolicy>;
  /** A connection that delivers nothing for this long is dropped and resumed. Default 60 000 ms. */
  stallTimeoutMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: FetchEvent) => void;
  env?: NodeJS.ProcessEnv;
}

/** Fetches a model into the Hugging Face cache, verified, and returns where its snapshot lies. */
export async function fetchModel(options: FetchModelOptions): Promise<FetchModelResult> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const ref = typeof options.ref === "string" ? parseModelRef(options.ref) : options.ref;
  const endpoint = resolveEndpoint({ endpoint: options.endpoint, mirror: options.mirror, env });
  const emit = options.onEvent ?? (() => {});
  const ctx: HttpContext = {
    repo: ref.repo,
    endpoint: endpoint.url,
    // A Hugging Face token is only ever sent to a Hugging Face compatible endpoint.
    token: endpoint.kind === "hf" ? resolveToken(options.token, env) : undefined,
    signal: options.signal,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    stallTimeoutMs: options.stallTimeoutMs,
  };
  const lockPath = options.lockFile === undefined ? path.resolve("models.lock.json") : options.lockFile;
  const lock: LockFile = (lockPath ? await readLock(lockPath) : undefined) ?? { version: 1, models: {} };
  const requested = ref.revision ?? (endpoint.kind === "modelscope" ? "master" : "main");

  const locked = options.updateLock ? undefined : lock.models[ref.repo];
  if (locked && isCommitSha(requested) && requested !== locked.revision) {
    throw userError(
      `${ref.repo}@${requested} differs from the lock, which pins ${locked.revision}`,
      "rerun with --update-lock to pin the new revision, or drop @REVISION to use the locked one",
      "lock_mismatch",
    );
  }
  const offline = options.offline ?? isTruthy(env.HF_HUB_OFFLINE);
  if (offline && !locked) {
    throw userError(
      `${ref.repo} is not in the lock, and offline mode (HF_HUB_OFFLINE) forbids listing it`,
      "fetch it once with network access (that writes the lock), or unset HF_HUB_OFFLINE",
      "offline",
    );
  }
  const listed: Snapshot = locked
    ? snapshotFromLock(ref.repo, locked)
    : await listSnapshot(endpoint, ref.repo, requested, withRetryEvents(ctx, emit, "(listing)"));
  const files = selectPaths(listed.files, options.include, options.exclude);
  if (files.length === 0) {
    throw userError(
      `${ref.repo}: no file matches the --include/--exclude patterns${locked ? " among the locked files" : ""}`,
      locked
        ? "the lock lists only the files selected when it was written; add --update-lock to select again"
        : "check the patterns; * also matches /",
      "no_files",
    );
  }
  const snapshot: Snapshot = { ...listed, files };
  const resolveMs = performance.now() - started;
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  emit({ type: "plan", repo: ref.repo, commit: snapshot.commit, files: files.length, totalBytes });

  const cache = new RepoCache(options.cacheDir ?? defaultCacheDir(env), ref.repo);
  await mkdir(path.dirname(cache.blob("x")), { recursive: true });
  await checkFreeSpace(cache.root, await bytesStillNeeded(cache, files));
  let downloadedBytes = 0;
  let cachedFiles = 0;
  const filesStarted = performance.now();
  await forEachBounded(
    files,
    options.concurrency ?? 4,
    async (file, signal) => {
      const { cached, received } = await ensureFile({
        file,
        cache,
        commit: snapshot.commit,
        url: fileUrl(endpoint, snapshot, file.path),
        check: options.cacheCheck ?? "sha256",
        offline,
        stallTimeoutMs: options.stallTimeoutMs,
        ctx: withRetryEvents({ ...ctx, signal }, emit, file.path),
        emit,
      });
      downloadedBytes += received;
      if (cached) cachedFiles++;
    },
    options.signal,
  );
  await cache.writeRef(requested, snapshot.commit);

  let lockState: FetchModelResult["lock"] = locked ? "verified" : "none";
  if (lockPath && !locked) {
    lock.models[ref.repo] = lockFromSnapshot(snapshot, requested, endpoint.kind);
    await writeLock(lockPath, lock);
    lockState = "written";
  }
  const totalMs = performance.now() - started;
  return {
    repo: ref.repo,
    commit: snapshot.commit,
    snapshotDir: cache.snapshotDir(snapshot.commit),
    files: files.length,
    totalBytes,
    downloadedBytes,
    cachedFiles,
    lock: lockState,
    timings: { resolveMs, filesMs: performance.now() - filesStarted, totalMs },
  };
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.toLowerCase());
}

function withRetryEvents(ctx: HttpContext, emit: (e: FetchEvent) => void, filePath: string): HttpContext {
  return { ...ctx, onRetry: (reason, waitMs) => emit({ type: "retry", path: filePath, reason, waitMs }) };
}

export type { Endpoint, FetchModelResult };
