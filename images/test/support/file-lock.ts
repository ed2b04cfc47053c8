import { mkdir, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Runs `fn` while holding a lock folder (mkdir is atomic), so parallel test files share one
 * expensive setup. A lock older than `staleMs` is taken over: its holder died.
 */
export async function withFileLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  staleMs = 15 * 60_000,
): Promise<T> {
  for (;;) {
    try {
      await mkdir(lockDir, { recursive: false });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age =
        Date.now() -
        (await stat(lockDir).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > staleMs) await rm(lockDir, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
