import { access } from "node:fs/promises";

/** True when the path exists and is reachable by this process. */
export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
