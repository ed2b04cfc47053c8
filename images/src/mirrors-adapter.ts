import {
  type Catalog,
  type Ecosystem,
  findProvider,
  isMirrorFault,
  loadCatalog,
  selectMirrors,
} from "../../mirrors/src/index.ts";
import { runTool } from "../../runtime/src/util/run-tool.ts";
import { BuildStepError } from "./build-log.ts";

/**
 * The one place where image baking meets the mirrors package: the catalog, `auto` selection by
 * probe, and what each choice means for the build (apt sources, .npmrc, NuGet feed, registry host).
 */

/** Where one bake fetches from. Undefined fields mean "what the base image or host already uses". */
export interface MirrorChoice {
  name: string;
  /** apt archive base URL for the recipe's distro family. */
  apt?: string;
  npmRegistry?: string;
  /** NuGet v3 service index. */
  nugetIndex: string;
  /** PyPI simple index (the GPU image's CUDA wheels); undefined: pip's own configuration. */
  pypiIndex?: string;
  /** Registry host -> mirror host (docker.io -> docker.m.daocloud.io). */
  registryHosts: Record<string, string>;
}

/** NuGet's own v3 service index (the feed onnxruntime-node's installer uses). */
export const NUGET_UPSTREAM = "https://api.nuget.org/v3/index.json";

async function hostNpmRegistry(): Promise<string | undefined> {
  // Under `npm run`, npm hands its config to the script; no need to start npm again.
  if (process.env.npm_config_registry) return process.env.npm_config_registry;
  try {
    const { stdout } = await runTool("npm", ["config", "get", "registry"]);
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

type Offers = Catalog["providers"][string]["offers"];

function dockerHosts(docker: Offers["docker"]): Record<string, string> {
  const hosts: Record<string, string> = { ...docker?.hosts };
  if (docker?.url && docker.mirrorOf) hosts[docker.mirrorOf] = new URL(docker.url).host;
  return hosts;
}

/** Per ecosystem, which provider serves it (`upstream` = leave that ecosystem alone). */
type PerEcosystem = Partial<Record<"apt" | "npm" | "nuget" | "docker" | "pypi", string>>;

function compose(
  name: string,
  pick: PerEcosystem,
  catalog: Catalog,
  family: Ecosystem,
  up: MirrorChoice,
): MirrorChoice {
  const offer = (provider: string | undefined, eco: Ecosystem) =>
    provider && provider !== "upstream" ? catalog.providers[provider]?.offers[eco] : undefined;
  return {
    name,
    apt: offer(pick.apt, family)?.url,
    npmRegistry: offer(pick.npm, "npm")?.url ?? up.npmRegistry,
    nugetIndex: offer(pick.nuget, "nuget")?.url ?? up.nugetIndex,
    pypiIndex: offer(pick.pypi, "pypi")?.url,
    registryHosts: dockerHosts(offer(pick.docker, "docker") as Offers["docker"]),
  };
}

/** Options for {@link mirrorCandidates}; tests point these at a fixture catalog. */
export interface CandidateOptions {
  catalogFile?: string;
  /** Probe deadline for `auto` (ms). */
  deadlineMs?: number;
}

/**
 * Candidates in failover order for `--mirror`: `upstream` (or `none`); a provider name from the
 * catalog, then upstream; or `auto`: the mirrors package probes the catalog (cached results
 * reused) and picks the fastest healthy provider per ecosystem, then upstream.
 */
export async function mirrorCandidates(
  spec: string,
  family: "debian" | "ubuntu",
  options: CandidateOptions = {},
): Promise<MirrorChoice[]> {
  const up = await upstream();
  if (spec === "upstream" || spec === "none") return [up];
  const catalog = await loadCatalog(options.catalogFile);
  if (spec !== "auto") {
    findProvider(catalog, spec); // throws a user-facing error listing the known names
    const all = { apt: spec, npm: spec, nuget: spec, docker: spec, pypi: spec };
    return [compose(spec, all, catalog, family, up), up];
  }
  const ecosystems: Ecosystem[] = [family, "npm", "nuget", "docker", "pypi"];
  const { choices } = await selectMirrors({ catalog, ecosystems, deadlineMs: options.deadlineMs });
  const pick: PerEcosystem = {
    apt: choices[family],
    npm: choices.npm,
    nuget: choices.nuget,
    docker: choices.docker,
    pypi: choices.pypi,
  };
  const used = [...new Set(Object.values(pick).filter((n) => n && n !== "upstream"))];
  if (!used.length) return [up];
  return [compose(`auto:${used.join("+")}`, pick, catalog, family, up), up];
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
 * Which bake failures justify the next mirror (the `retryOn` of mirrors' `withMirrorFailover`):
 * what the mirrors package counts as the mirror's fault (network, HTTP status, checksum,
 * timeout), and a build step that fetched through the mirror: the base image pull (FROM), apt-get
 * and the in-image npm ci. Any other failure (a Dockerfile or recipe bug, a COPY of a missing
 * file, the Docker engine itself) would fail the same way on every mirror: it is thrown at once.
 */
export function isBakeMirrorFault(error: unknown): boolean {
  if (isMirrorFault(error)) return true;
  if (!(error instanceof BuildStepError) || !error.step) return false;
  const { instruction } = error.step;
  return /^FROM\s/i.test(instruction) || (/^RUN\s/i.test(instruction) && MIRRORED_COMMAND.test(instruction));
}

// The commands in the rendered Dockerfile that fetch through the mirror (see dockerfile.ts).
const MIRRORED_COMMAND = /\bapt-get (update|install)\b|\bnpm(-cli\.js)? ci\b/;
