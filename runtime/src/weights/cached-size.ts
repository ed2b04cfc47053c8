import { stat } from "node:fs/promises";
import type { RepoCache } from "./cache-layout.ts";
import type { RemoteFile } from "./types.ts";

/** Bytes still to download: files whose blob is missing or of the wrong size, less partial bytes on disk. */
export async function bytesStillNeeded(cache: RepoCache, files: readonly RemoteFile[]): Promise<number> {
  let needed = 0;
  for (const f of files) {
    const blob = cache.blob(f.digest.hex);
    const size = await stat(blob).then(
      (s) => s.size,
      () => -1,
    );
    if (size === f.size) continue;
    const partial = await stat(`${blob}.incomplete`).then(
      (s) => s.size,
      () => 0,
    );
    needed += Math.max(0, f.size - partial);
  }
  return needed;
}
