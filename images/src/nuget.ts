import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import AdmZip from "adm-zip";
import { deadline } from "../../runtime/src/util/deadline.ts";
import { renameDurable } from "../../runtime/src/util/durable-write.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";

/** The NuGet package onnxruntime-node's own installer takes its linux-x64 CUDA providers from. */
export const ORT_GPU_PACKAGE = "Microsoft.ML.OnnxRuntime.Gpu.Linux";

/** Provider libraries to place beside onnxruntime-node's binding; TensorRT's is optional. */
const LIBRARIES = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"];
const OPTIONAL = ["libonnxruntime_providers_tensorrt.so"];

export interface NugetFetchOptions {
  /** NuGet v3 service indexes in failover order (mirror first, upstream last). */
  feeds: string[];
  /** Must equal the installed onnxruntime-node version: the providers are ABI-bound to it. */
  version: string;
  cacheDir: string;
  packageId?: string;
  /** Per-request deadline; default 10 min (the CUDA package is several hundred MB). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface ServiceIndex {
  resources?: { "@id": string; "@type": string | string[] }[];
}

function resource(index: ServiceIndex, type: string): string | undefined {
  const found = index.resources?.find((r) => [r["@type"]].flat().some((t) => t.startsWith(type)));
  return found?.["@id"].replace(/\/?$/, "/");
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  // Left to run over the body the caller reads (unref'd: the socket keeps the process alive).
  const { signal } = deadline(timeoutMs, undefined, { unref: true });
  const response = await fetch(url, { signal, redirect: "follow" });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response;
}

/** The expected SHA-512 (base64) from the registration leaf's catalog entry, when the feed has one. */
async function expectedHash(index: ServiceIndex, id: string, version: string, timeoutMs: number) {
  const registrations = resource(index, "RegistrationsBaseUrl");
  if (!registrations) return undefined;
  const leaf = (await (await get(`${registrations}${id}/${version}.json`, timeoutMs)).json()) as {
    catalogEntry?: string | { packageHash?: string; packageHashAlgorithm?: string };
  };
  const entry =
    typeof leaf.catalogEntry === "string"
      ? ((await (await get(leaf.catalogEntry, timeoutMs)).json()) as {
          packageHash?: string;
          packageHashAlgorithm?: string;
        })
      : leaf.catalogEntry;
  if (!entry?.packageHash || (entry.packageHashAlgorithm ?? "SHA512").toUpperCase() !== "SHA512")
    return undefined;
  return entry.packageHash;
}

/** Downloads the .nupkg from one feed into `file`, verifying SHA-512 where the feed publishes it. */
async function download(feed: string, id: string, version: string, file: string, o: NugetFetchOptions) {
  const timeoutMs = o.timeoutMs ?? 600_000;
  const index = (await (await get(feed, timeoutMs)).json()) as ServiceIndex;
  const base = resource(index, "PackageBaseAddress/3.0.0");
  if (!base) throw new Error(`${feed} has no PackageBaseAddress/3.0.0 resource`);
  const versions = (
    (await (await get(`${base}${id}/index.json`, timeoutMs)).json()) as { versions?: string[] }
  ).versions;
  if (!versions?.includes(version))
    throw new Error(`${feed} has no ${id} ${version} (has ${versions?.slice(-3).join(", ")})`);
  const response = await get(`${base}${id}/${version}/${id}.${version}.nupkg`, timeoutMs);
  const hash = createHash("sha512");
  const part = `${file}.part`;
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        yield chunk;
      }
    },
    createWriteStream(part),
  );
  const actual = hash.digest("base64");
  const expected = await expectedHash(index, id, version, timeoutMs).catch(() => undefined);
  if (expected && expected !== actual) {
    await rm(part, { force: true });
    throw userError(
      `${id} ${version} from ${feed} failed verification: sha512 ${actual} != published ${expected}`,
      "the feed or a proxy altered the package; try another mirror (--mirror upstream)",
    );
  }
  if (!expected)
    o.log?.(`${feed} publishes no SHA-512 for ${id} ${version}; size and zip integrity checked only`);
  await renameDurable(part, file);
  return { verified: Boolean(expected), sha512: actual };
}

/**
 * Fetches onnxruntime-node's CUDA provider libraries the way its installer does (service index ->
 * PackageBaseAddress -> .nupkg), but through the chosen feeds, verified, and cached. Returns a
 * folder holding the .so files, ready to copy into `bin/napi-v6/linux/x64/`.
 */
export async function fetchOrtGpuLibraries(o: NugetFetchOptions): Promise<string> {
  const id = (o.packageId ?? ORT_GPU_PACKAGE).toLowerCase();
  const version = o.version.toLowerCase();
  const dir = path.join(o.cacheDir, `${id}.${version}`);
  const out = path.join(dir, "native");
  if (await stat(path.join(dir, "verified.json")).catch(() => undefined)) return out;
  await mkdir(out, { recursive: true });
  const file = path.join(dir, `${id}.${version}.nupkg`);
  const failures: string[] = [];
  let facts: { verified: boolean; sha512: string } | undefined;
  for (const feed of o.feeds) {
    try {
      facts = await download(feed, id, version, file, o);
      break;
    } catch (error) {
      if ((error as { hint?: string }).hint) throw error;
      failures.push(`${feed}: ${(error as Error).message}`);
    }
  }
  if (!facts)
    throw userError(
      `could not fetch ${id} ${version} from any NuGet feed:\n  ${failures.join("\n  ")}`,
      "check the feed URLs (--mirror) or pre-seed the cache folder",
    );
  const zip = new AdmZip(await readFile(file));
  for (const name of [...LIBRARIES, ...OPTIONAL]) {
    const entry = zip.getEntry(`runtimes/linux-x64/native/${name}`);
    if (!entry) {
      if (OPTIONAL.includes(name)) continue;
      throw userError(
        `${id} ${version} has no runtimes/linux-x64/native/${name}`,
        "check the version matches onnxruntime-node",
      );
    }
    await writeFile(path.join(out, name), entry.getData());
  }
  await writeFile(path.join(dir, "verified.json"), `${JSON.stringify({ id, version, ...facts }, null, 2)}\n`);
  await rm(file, { force: true });
  return out;
}

/** The onnxruntime-node version the lockfile installs (what the providers must match). */
export async function ortVersionFromLock(lockFile: string): Promise<string> {
  const lock = JSON.parse(await readFile(lockFile, "utf8")) as {
    packages?: Record<string, { version?: string }>;
  };
  const version = lock.packages?.["node_modules/onnxruntime-node"]?.version;
  if (!version)
    throw userError(
      "onnxruntime-node is not in package-lock.json",
      "run `npm install` so the runtime's dependencies are locked",
    );
  return version;
}
