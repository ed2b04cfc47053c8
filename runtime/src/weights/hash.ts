import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { FileDigest } from "./types.ts";

/**
 * A running digest of the kind a file is checked with. The git blob id hashes a `blob <size>\0`
 * header before the bytes, which is why the expected size is needed up front.
 */
export function startDigest(kind: FileDigest["kind"], size: number): Hash {
  if (kind === "sha256") return createHash("sha256");
  return createHash("sha1").update(`blob ${size}\0`);
}

/** Feeds the first `end` bytes of a file (all of it when omitted) into a running digest. */
export async function feedFile(hash: Hash, file: string, end?: number): Promise<void> {
  if (end === 0) return;
  const stream = createReadStream(file, {
    highWaterMark: 1 << 20,
    ...(end === undefined ? {} : { end: end - 1 }),
  });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

/** True when the file at `file` has exactly the expected size and digest. */
export async function fileMatches(file: string, size: number, digest: FileDigest): Promise<boolean> {
  const hash = startDigest(digest.kind, size);
  let seen = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      seen += (chunk as Buffer).length;
      if (seen > size) return false;
      hash.update(chunk as Buffer);
    }
  } catch {
    return false;
  }
  return seen === size && hash.digest("hex") === digest.hex;
}
