import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEBIAN_BASE_IMAGE, ensureDebianBase } from "../../src/debian-base.ts";
import { withFileLock } from "./file-lock.ts";

/**
 * The Debian base image for Docker tests, built once per machine (debootstrap + docker import,
 * about half a minute) and reused; a lock keeps parallel test files from building it twice.
 */
export async function debianBase(): Promise<string> {
  const dir = path.join(os.tmpdir(), "i2v-locks");
  await mkdir(dir, { recursive: true });
  return withFileLock(path.join(dir, "debian-base.lock"), () => ensureDebianBase({ tag: DEBIAN_BASE_IMAGE }));
}
