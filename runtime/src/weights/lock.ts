import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { writeFileDurable } from "../util/durable-write.ts";
import { zodProblems } from "../util/zod-problems.ts";
import { userError } from "./errors.ts";
import type { Snapshot } from "./types.ts";

/**
 * The lock file pins each model's commit and every file's size and digest. Large (LFS) files are
 * pinned by sha256; small files by their git blob id (`etag`), which the fetcher recomputes from
 * the bytes, so both kinds are verified.
 */
const lockedFile = z.union([
  z.object({ size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
  z.object({ size: z.number().int().nonnegative(), etag: z.string().regex(/^[0-9a-f]{40}$/) }).strict(),
]);

const lockedModel = z.object({
  /** The commit the model is pinned at. */
  revision: z.string().min(1),
  /** The branch or tag the user asked for when the lock was written (informational). */
  requested: z.string().optional(),
  /** Which protocol served it; ModelScope pins by content, not by a git commit. */
  source: z.enum(["hf", "modelscope"]).default("hf"),
  files: z.record(z.string(), lockedFile),
});

const lockFileSchema = z.object({ version: z.literal(1), models: z.record(z.string(), lockedModel) });

export type LockFile = z.infer<typeof lockFileSchema>;
export type LockedModel = z.infer<typeof lockedModel>;

/** Reads a lock file; undefined when it does not exist. Every problem is reported as `path: message`. */
export async function readLock(file: string): Promise<LockFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw userError(
      `${file} is not valid JSON: ${(error as Error).message}`,
      "fix or delete the lock file",
      "bad_lock",
    );
  }
  const parsed = lockFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = zodProblems(parsed.error);
    throw userError(
      `${file} is not a valid lock file:\n  ${problems.join("\n  ")}`,
      "fix or delete the lock file",
      "bad_lock",
    );
  }
  return parsed.data;
}

/** Writes the lock atomically, with models and files sorted so diffs stay small. */
export async function writeLock(file: string, lock: LockFile): Promise<void> {
  const models = Object.fromEntries(
    Object.entries(lock.models)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([repo, m]) => [
        repo,
        { ...m, files: Object.fromEntries(Object.entries(m.files).sort(([a], [b]) => a.localeCompare(b))) },
      ]),
  );
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileDurable(file, `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
}

/** The snapshot a lock entry describes. */
export function snapshotFromLock(repo: string, m: LockedModel): Snapshot {
  const files = Object.entries(m.files).map(([p, f]) => ({
    path: p,
    size: f.size,
    digest:
      "sha256" in f ? { kind: "sha256" as const, hex: f.sha256 } : { kind: "git-sha1" as const, hex: f.etag },
  }));
  return m.source === "modelscope" && m.requested
    ? { repo, commit: m.revision, files, urlRevision: m.requested }
    : { repo, commit: m.revision, files };
}

/** The lock entry for a snapshot just listed. */
export function lockFromSnapshot(s: Snapshot, requested: string, source: LockedModel["source"]): LockedModel {
  const files = Object.fromEntries(
    s.files.map((f) => [
      f.path,
      f.digest.kind === "sha256"
        ? { size: f.size, sha256: f.digest.hex }
        : { size: f.size, etag: f.digest.hex },
    ]),
  );
  return { revision: s.commit, requested, source, files };
}
