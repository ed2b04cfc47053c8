import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { PassThrough, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { renameDurable, writeFileDurable } from "../../runtime/src/util/durable-write.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import type { DockerClient } from "./docker-client.ts";

/** Written beside the archive as `<FILE>.manifest.json`; load-image checks the archive against it. */
export interface OfflineManifest {
  format: "i2v-offline/1";
  imageId: string;
  tags: string[];
  compression: "gzip" | "zstd";
  /** Uncompressed image size as Docker reports it. */
  imageBytes: number;
  archive: { file: string; bytes: number; sha256: string };
  labels: Record<string, string>;
  createdAt: string;
}

/** Manifest path for an archive path. */
export const manifestPath = (file: string) => `${file}.manifest.json`;

function compressionFor(file: string): "gzip" | "zstd" {
  return /\.(zst|zstd)$/.test(file) ? "zstd" : "gzip";
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * `docker save` of `ref`, compressed into `file` (gzip, or zstd for `.zst`), plus the manifest beside
 * it. Written under `.part` names and renamed last, so a crash never leaves a plausible archive.
 */
export async function saveOfflineArchive(
  client: DockerClient,
  ref: string,
  file: string,
): Promise<OfflineManifest> {
  const facts = await client.inspect(ref);
  if (!facts) throw userError(`no image ${ref} to save as an offline archive`, "bake it first");
  const kind = compressionFor(file);
  const part = `${file}.part`;
  const tar = await client.save(ref);
  if (kind === "gzip") await pipeline(tar, createGzip({ level: 6 }), createWriteStream(part));
  else await runZstd(["-q", "-T0", "-3", "-c"], tar, createWriteStream(part));
  const manifest: OfflineManifest = {
    format: "i2v-offline/1",
    imageId: facts.id,
    tags: facts.tags.length ? facts.tags : [ref],
    compression: kind,
    imageBytes: facts.size,
    archive: {
      file: file.split("/").at(-1) as string,
      bytes: (await stat(part)).size,
      sha256: await sha256File(part),
    },
    labels: facts.labels,
    createdAt: new Date().toISOString(),
  };
  await renameDurable(part, file);
  await writeFileDurable(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Pipes `input` through the zstd binary into `output`. */
function runZstd(args: string[], input: Readable, output: Writable): Promise<void> {
  const child = spawn("zstd", args, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (e) =>
      reject(userError(`zstd failed to start: ${e.message}`, "install zstd or use a .tar.gz name")),
    );
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`zstd exited with code ${code}`)),
    );
  });
  return Promise.all([pipeline(input, child.stdin), pipeline(child.stdout, output), exited]).then(() => {});
}

/**
 * Verifies `file` against its manifest (size and sha256 before anything reaches Docker), loads it,
 * and checks the loaded image id. A tampered or truncated archive is refused, never loaded.
 */
export async function loadArchive(client: DockerClient, file: string): Promise<OfflineManifest> {
  const text = await readFile(manifestPath(file), "utf8").catch(() => {
    throw userError(`no manifest beside ${file}`, `copy ${manifestPath(file)} along with the archive`);
  });
  const manifest = JSON.parse(text) as OfflineManifest;
  if (manifest.format !== "i2v-offline/1")
    throw userError(
      `${manifestPath(file)} is not an i2v offline manifest`,
      "make the archive again with bake-image --offline",
    );
  const bytes = (await stat(file)).size;
  const sha256 = await sha256File(file);
  if (bytes !== manifest.archive.bytes || sha256 !== manifest.archive.sha256)
    throw userError(
      `${file} does not match its manifest (sha256 ${sha256.slice(0, 16)}..., expected ${manifest.archive.sha256.slice(0, 16)}...; ${bytes} vs ${manifest.archive.bytes} bytes): refusing to load`,
      "the archive was altered or truncated in transit; copy it again from the build host",
      "ARCHIVE_TAMPERED",
    );
  const source = createReadStream(file);
  const tar = new PassThrough();
  const feeding =
    manifest.compression === "gzip"
      ? pipeline(source, createGunzip(), tar)
      : runZstd(["-q", "-d", "-c"], source, tar);
  await Promise.all([client.load(tar), feeding]);
  const loaded = await client.inspect(manifest.imageId);
  if (!loaded)
    throw userError(
      `loading ${file} did not produce image ${manifest.imageId}`,
      "the archive does not hold the image its manifest names",
    );
  for (const tag of manifest.tags) if (!loaded.tags.includes(tag)) await client.tag(manifest.imageId, tag);
  return manifest;
}
