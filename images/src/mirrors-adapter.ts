import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { userError } from "./errors.ts";

/**
 * The one place where image baking meets the mirrors package. It reads the mirrors catalog (data)
 * directly; when mirrors/src exports its ranking and renderers, only this file changes.
 */

/** Where one bake fetches from. Undefined fields mean "what the base image or host already uses". */
export interface MirrorChoice {
  name: string;
  /** apt archive base URL for the recipe's distro family. */
  apt?: string;
  npmRegistry?: string;
  /** NuGet v3 service index. */
  nugetIndex: string;
  /** Registry host -> mirror host (docker.io -> docker.m.daocloud.io). */
  registryHosts: Record<string, string>;
}

/** NuGet's own v3 service index (the feed onnxruntime-node's installer uses). */
export const NUGET_UPSTREAM = "https://api.nuget.org/v3/index.json";

const CATALOG = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "mirrors",
  "catalog.yaml",
);

interface CatalogOffer {
  url?: string;
  mirrorOf?: string;
  hosts?: Record<string, string>;
}

async function hostNpmRegistry(): Promise<string | undefined> {
  // Under `npm run`, npm hands its config to the script; no need to start npm again.
  if (process.env.npm_config_registry) return process.env.npm_config_registry;
  try {
    const { stdout } = await promisify(execFile)("npm", ["config", "get", "registry"]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function upstream(): Promise<MirrorChoice> {
  return {
    name: "upstream",
    npmRegistry: await hostNpmRegistry(),
    nugetIndex: NUGET_UPSTREAM,
    registryHosts: {},
  };
}

function fromOffers(
  name: string,
  offers: Record<string, CatalogOffer>,
  family: string,
  up: MirrorChoice,
): MirrorChoice {
  const docker = offers.docker;
  const registryHosts: Record<string, string> = { ...docker?.hosts };
  if (docker?.url && docker.mirrorOf) registryHosts[docker.mirrorOf] = new URL(docker.url).host;
  return {
    name,
    apt: offers[family]?.url,
    npmRegistry: offers.npm?.url ?? up.npmRegistry,
    nugetIndex: offers.nuget?.url ?? up.nugetIndex,
    registryHosts,
  };
}

/**
 * Candidates in failover order for `--mirror`: `upstream`, a provider name from the catalog (then
 * upstream as the fallback), or `auto`. Until the mirrors package's probe is wired here, `auto`
 * means upstream, which is always correct if not always fastest.
 */
export async function mirrorCandidates(
  spec: string,
  family: string,
  catalogFile = CATALOG,
): Promise<MirrorChoice[]> {
  const up = await upstream();
  if (spec === "upstream" || spec === "none" || spec === "auto") return [up];
  const text = await readFile(catalogFile, "utf8").catch(() => "");
  const providers = (
    (parse(text) ?? {}) as { providers?: Record<string, { offers?: Record<string, CatalogOffer> }> }
  ).providers;
  const provider = providers?.[spec];
  if (!provider)
    throw userError(
      `unknown mirror "${spec}"`,
      `use auto, upstream, or a provider from ${path.relative(process.cwd(), catalogFile)}: ${Object.keys(providers ?? {}).join(", ")}`,
    );
  return [fromOffers(spec, provider.offers ?? {}, family, up), up];
}

/** Rewrites an image reference's registry host through the mirror (docker.io/x -> mirror/x). */
export function mirrorImageRef(ref: string, mirror: MirrorChoice): string {
  const first = ref.split("/")[0] ?? "";
  const hasHost = ref.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first : "docker.io";
  const rest = hasHost ? ref.slice(first.length + 1) : ref;
  const to = mirror.registryHosts[host];
  if (!to) return ref;
  return `${to}/${host === "docker.io" && !rest.includes("/") ? `library/${rest}` : rest}`;
}

/** apt sources (one-line format, which every Debian and Ubuntu release reads) for the mirror. */
export function renderAptList(url: string, family: "debian" | "ubuntu", codename: string): string {
  const base = url.replace(/\/+$/, "");
  if (family === "ubuntu") {
    const comps = "main restricted universe multiverse";
    // Security updates stay upstream unless asked: mirrors lag, and fixes should not wait.
    return [
      `deb ${base} ${codename} ${comps}`,
      `deb ${base} ${codename}-updates ${comps}`,
      `deb http://security.ubuntu.com/ubuntu ${codename}-security ${comps}`,
      "",
    ].join("\n");
  }
  return [`deb ${base} ${codename} main`, `deb ${base} ${codename}-updates main`, ""].join("\n");
}

/** .npmrc for the in-image `npm ci`. */
export function renderNpmrc(registry: string | undefined): string {
  return [
    ...(registry ? [`registry=${registry}`] : []),
    "fund=false",
    "audit=false",
    "update-notifier=false",
    "",
  ].join("\n");
}

/**
 * Runs `attempt` with each candidate until one succeeds; the last error is rethrown with every
 * mirror's failure listed, so a user sees why each was left.
 */
export async function withMirrorFailover<T>(
  candidates: MirrorChoice[],
  attempt: (mirror: MirrorChoice) => Promise<T>,
  onFailover: (from: MirrorChoice, error: Error) => void = () => {},
): Promise<{ value: T; mirror: MirrorChoice }> {
  let last: Error | undefined;
  for (const mirror of candidates) {
    try {
      return { value: await attempt(mirror), mirror };
    } catch (error) {
      last = error as Error;
      if (mirror !== candidates.at(-1)) onFailover(mirror, last);
    }
  }
  throw last ?? new Error("no mirror candidates");
}
