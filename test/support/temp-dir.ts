import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh folder under the system's temporary folder: the one tempDir every test uses. */
export function tempDir(prefix = "i2v-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
