import { mkdir, readFile, readlink, symlink, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { writeFileDurable } from "../util/durable-write.ts";

/**
 * The Hugging Face cache layout, exactly as huggingface_hub (Python) writes it, so Python tools and
 * this toolkit share one SSD cache:
 *
 *   <cache>/models--ORG--NAME/blobs/<sha256 or git sha1>
 *   <cache>/models--ORG--NAME/snapshots/<commit>/<path>  -> ../../blobs/<...>   (relative symlink)
 *   <cache>/models--ORG--NAME/refs/<revision>             (file holding the commit sha)
 */

/** `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub` or `~/.cache/...`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return path.resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return path.resolve(env.HUGGINGFACE_HUB_CACHE);
  const home = env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "huggingface");
  return path.resolve(home, "hub");
}

/** Paths of one repository inside a cache directory. */
export class RepoCache {
  readonly root: string;
  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.root = path.join(path.resolve(cacheDir), `models--${repo.split("/").join("--")}`);
  }

  blob(name: string): string {
    return path.join(this.root, "blobs", name);
  }

  snapshotDir(commit: string): string {
    return path.join(this.root, "snapshots", commit);
  }

  /** The snapshot entry for a repository path; refuses paths that would leave the snapshot. */
  pointer(commit: string, filePath: string): string {
    const dir = this.snapshotDir(commit);
    const full = path.resolve(dir, filePath);
    if (!full.startsWith(dir + path.sep)) throw new Error(`unsafe path in repository listing: ${filePath}`);
    return full;
  }

  /** Reads `refs/<revision>`; undefined when this revision was never fetched. */
  async readRef(revision: string): Promise<string | undefined> {
    try {
      return (await readFile(path.join(this.root, "refs", revision), "utf8")).trim();
    } catch {
      return undefined;
    }
  }

  /** Records which commit a branch or tag pointed to, as huggingface_hub does (no newline). */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    const file = path.join(this.root, "refs", revision);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileDurable(file, commit);
  }

  /** Points `snapshots/<commit>/<path>` at its blob with a relative link; replaces a stale one. */
  async link(commit: string, filePath: string, blobName: string): Promise<void> {
    const pointer = this.pointer(commit, filePath);
    const target = path.relative(path.dirname(pointer), this.blob(blobName));
    await mkdir(path.dirname(pointer), { recursive: true });
    const existing = await readlink(pointer).catch(() => undefined);
    if (existing === target) return;
    if (existing !== undefined) await unlink(pointer);
    else await unlink(pointer).catch(() => undefined); // a plain file left by someone else
    await symlink(target, pointer);
  }
}
