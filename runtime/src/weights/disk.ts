import { freeBytes } from "../util/free-space.ts";
import { userError } from "./errors.ts";
import { formatBytes } from "./progress.ts";

/** Headroom kept free on the cache's disk beyond the files themselves (the OS and logs need some). */
const HEADROOM = 512 * 1024 * 1024;

/**
 * Fails before the first byte when the cache's disk cannot hold what is still to come, instead of
 * failing with ENOSPC hours into a large download.
 */
export async function checkFreeSpace(
  cacheDir: string,
  neededBytes: number,
  free: (dir: string) => Promise<number> = freeBytes,
): Promise<void> {
  if (neededBytes === 0) return;
  const available = await free(cacheDir);
  if (available < neededBytes + HEADROOM) {
    throw userError(
      `not enough disk space in ${cacheDir}: ${formatBytes(neededBytes)} to download, ${formatBytes(available)} free`,
      "free space, point the cache at a larger disk with --cache DIR (or HF_HUB_CACHE), or fetch fewer files with --include",
      "no_space",
    );
  }
}
