import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

/**
 * The one way files are replaced in this repository: data to a temporary file beside the target,
 * fsync it, rename it over the target, fsync the folder. A crash or power cut then leaves either
 * the old file or the new one, never a renamed file whose data never reached the disk (rename is
 * atomic but says nothing about the data) nor a rename the folder forgot (its entry is data too).
 */
export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    // Cleanup must not replace the real error.
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncFolder(path.dirname(file));
}

/**
 * Moves a file that something else wrote (a download, ffmpeg's output, a compressed archive) into
 * place the same durable way: fsync its data, rename, fsync the folder.
 */
export async function renameDurable(from: string, to: string): Promise<void> {
  const handle = await open(from, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(from, to);
  await syncFolder(path.dirname(to));
}

/** fsync of a folder, so the entries renamed into it survive a power cut. */
async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a folder; their rename is then as durable as it gets.
    if (!["EINVAL", "EISDIR", "EPERM", "ENOTSUP"].includes((error as NodeJS.ErrnoException).code ?? ""))
      throw error;
  } finally {
    await handle.close();
  }
}
