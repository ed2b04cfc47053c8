import { lstat, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import type { FetchEvent } from "../../../src/weights/index.ts";
import type { FakeRepo } from "./fixtures.ts";

/** A fresh temporary folder; removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "i2v-models-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Fast retries so fault tests take milliseconds, not the production backoff. */
export const fastRetry = { baseDelayMs: 5, maxDelayMs: 50, attempts: 5 };

/** Collects events for assertions. */
export function recorder(): { events: FetchEvent[]; onEvent: (e: FetchEvent) => void } {
  const events: FetchEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/** Every file below `dir`, recursively, relative paths. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * The cache holds exactly the right bytes for `repo`: each snapshot entry is a relative symlink to
 * a blob named by its sha256 or git oid whose bytes match, and nothing partial or extra is there.
 */
export async function expectExactCache(cacheDir: string, repo: FakeRepo, only?: string[]): Promise<void> {
  const root = path.join(cacheDir, `models--${repo.id.replace("/", "--")}`);
  const files = repo.files.filter((f) => !only || only.includes(f.path));
  const blobs = await listTree(path.join(root, "blobs"));
  expect(blobs).toEqual(files.map((f) => (f.lfs ? f.sha256 : f.gitOid)).sort());
  for (const f of files) {
    const pointer = path.join(root, "snapshots", repo.commit, f.path);
    expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
    const target = await readlink(pointer);
    expect(path.isAbsolute(target)).toBe(false);
    expect(path.resolve(path.dirname(pointer), target)).toBe(
      path.join(root, "blobs", f.lfs ? f.sha256 : f.gitOid),
    );
    expect((await readFile(pointer)).equals(f.content)).toBe(true);
  }
}
