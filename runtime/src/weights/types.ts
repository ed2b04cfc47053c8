/**
 * Shared shapes for the weights fetcher: what a remote snapshot lists and how a file is checked.
 */

/**
 * How a file's bytes are checked. `sha256` is the LFS oid (large files, and every ModelScope file);
 * `git-sha1` is the git blob id the Hub reports as the ETag of small, non-LFS files. Either hex
 * string is also the blob's name in the cache, exactly as huggingface_hub names it.
 */
export interface FileDigest {
  kind: "sha256" | "git-sha1";
  hex: string;
}

/** One file of a snapshot as the server (or the lock) describes it. */
export interface RemoteFile {
  /** Path inside the repository, with forward slashes. */
  path: string;
  size: number;
  digest: FileDigest;
}

/** A repository pinned at one commit, with the files to fetch. */
export interface Snapshot {
  repo: string;
  /** The commit the revision resolved to (a 40-hex sha on the Hub). */
  commit: string;
  files: RemoteFile[];
  /** The revision to put in download URLs when it is not `commit` (ModelScope branches). */
  urlRevision?: string;
}

/** Progress events a fetch emits; the CLI renders them, tests count them. */
export type FetchEvent =
  | { type: "plan"; repo: string; commit: string; files: number; totalBytes: number }
  | { type: "file-cached"; path: string; size: number }
  | { type: "file-start"; path: string; size: number; resumeFrom: number }
  | { type: "bytes"; path: string; bytes: number }
  | { type: "file-done"; path: string; size: number }
  | { type: "retry"; path: string; reason: string; waitMs: number }
  | { type: "refetch"; path: string; reason: string };

/** What one fetch returns (declared here, beside the events, so the progress renderer needs no fetcher). */
export interface FetchModelResult {
  repo: string;
  commit: string;
  /** Absolute `snapshots/<commit>` folder: what the runtime loads. */
  snapshotDir: string;
  files: number;
  totalBytes: number;
  /** File body bytes received over the network in this run. */
  downloadedBytes: number;
  cachedFiles: number;
  /** `verified`: checked against an existing lock entry; `written`: a new entry was written. */
  lock: "verified" | "written" | "none";
  timings: { resolveMs: number; filesMs: number; totalMs: number };
}
