/**
 * Model weights: fetch into the Hugging Face cache on SSD, verified against a lock file, and find
 * them again by reference. Used by the image bake and by the runtime on the GPU box.
 */
export { defaultCacheDir, RepoCache } from "./cache-layout.ts";
export { DEFAULT_HF_ENDPOINT, type Endpoint, MIRRORS, resolveEndpoint, resolveToken } from "./endpoint.ts";
export { ModelFetchError } from "./errors.ts";
export type { CacheCheck } from "./fetch-file.ts";
export { type FetchModelOptions, type FetchModelResult, fetchModel } from "./fetch-model.ts";
export { type LockedModel, type LockFile, readLock, writeLock } from "./lock.ts";
export { createProgressRenderer, type ProgressRenderer, summaryLine } from "./progress.ts";
export { formatModelRef, type ModelRef, parseModelRef } from "./ref.ts";
export { type ResolveOptions, resolveModelRef } from "./resolve-ref.ts";
export type { RetryPolicy } from "./retry.ts";
export { fetchWithProgress } from "./run-fetch.ts";
export type { FetchEvent, FileDigest, RemoteFile, Snapshot } from "./types.ts";
