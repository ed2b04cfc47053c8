import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Ecosystem } from "../catalog/schema.ts";
import { type AptArchive, archiveFor } from "./apt-archive.ts";
import { type AptSource, parseClassicSources, parseDeb822Sources, readAptSources } from "./apt-sources.ts";
import { type Distro, readDistro, runTool, type ToolRunner } from "./host.ts";

/** What "upstream" is for one ecosystem on this machine, and where that was read. */
export type Upstream =
  | { found: true; url: string; from: string; apt?: AptArchive }
  | { found: false; reason: string };

export interface DetectOptions {
  /** The apt target; defaults to this machine's distribution. */
  distro?: Distro;
  /** apt sources to read instead of the machine's (e.g. the base image's), a file of either format. */
  aptSources?: string;
  etcApt?: string;
  osRelease?: string;
  run?: ToolRunner;
}

const notFound = (reason: string): Upstream => ({ found: false, reason });

/**
 * Reads each ecosystem's own default from the system or the tool: apt from the sources apt uses,
 * npm from `npm config get registry`, pip from its config or its built-in default, and so on.
 * Nothing here knows an upstream host name; an ecosystem whose tool is absent reports why.
 */
export async function detectUpstream(ecosystem: Ecosystem, options: DetectOptions = {}): Promise<Upstream> {
  const run = options.run ?? runTool;
  switch (ecosystem) {
    case "debian":
    case "ubuntu":
      return detectApt(ecosystem, options);
    case "npm": {
      const url = await run("npm", ["config", "get", "registry"]);
      return url ? { found: true, url, from: "npm config get registry" } : notFound("npm is not installed");
    }
    case "pypi": {
      const set = await run("python3", ["-m", "pip", "config", "get", "global.index-url"]);
      if (set) return { found: true, url: set, from: "pip config get global.index-url" };
      const code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)";
      const url = await run("python3", ["-c", code]);
      return url
        ? { found: true, url, from: "pip's built-in default index" }
        : notFound("pip is not installed");
    }
    case "conda": {
      const out = await run("conda", ["config", "--show", "channel_alias", "--json"]);
      const url = out ? (JSON.parse(out) as { channel_alias?: string }).channel_alias : undefined;
      return url
        ? { found: true, url, from: "conda config --show channel_alias" }
        : notFound("conda is not installed");
    }
    case "node": {
      // Node knows where its own releases come from: .../release/vX/node-vX.tar.gz.
      const source = process.release.sourceUrl;
      if (!source) return notFound("this Node build does not say where its releases come from");
      return { found: true, url: new URL("../", source).href, from: "process.release.sourceUrl" };
    }
    case "nuget":
      return detectNuget();
    case "docker": {
      // docker reports its index API (…/v1/); the registry API lives at that host's root.
      const index = await run("docker", ["info", "--format", "{{.IndexServerAddress}}"]);
      if (!index) return notFound("docker is not running here");
      return { found: true, url: new URL("/", index).href, from: "docker info" };
    }
    case "huggingface": {
      const hub = (await import("@huggingface/hub").catch(() => undefined)) as
        | { HUB_URL?: string }
        | undefined;
      return hub?.HUB_URL
        ? { found: true, url: hub.HUB_URL, from: "@huggingface/hub HUB_URL" }
        : notFound("@huggingface/hub is not installed");
    }
    case "modelscope": {
      const code = "from modelscope.hub.api import HubApi; print(HubApi().endpoint)";
      const url = await run("python3", ["-c", code]);
      return url
        ? { found: true, url, from: "modelscope HubApi().endpoint" }
        : notFound("modelscope is not installed");
    }
    case "pytorch":
      return notFound("pip has no default find-links: upstream means none");
  }
}

async function detectApt(ecosystem: Ecosystem, options: DetectOptions): Promise<Upstream> {
  const host = await readDistro(options.osRelease);
  const distro = options.distro ?? host;
  if (!distro) return notFound("cannot read /etc/os-release");
  let sources: AptSource[];
  let where: string;
  if (options.aptSources) {
    const text = await readFile(options.aptSources, "utf8");
    const deb822 = options.aptSources.endsWith(".sources") || /^Types:/m.test(text);
    sources = deb822
      ? parseDeb822Sources(text, options.aptSources)
      : parseClassicSources(text, options.aptSources);
    where = options.aptSources;
  } else if (host && host.id === ecosystem) {
    sources = await readAptSources(options.etcApt);
    where = options.etcApt ?? "/etc/apt";
  } else {
    return notFound(
      `this machine runs ${host?.id ?? "an unknown system"}, not ${ecosystem}: pass its apt sources`,
    );
  }
  const apt = archiveFor(sources, distro.codename);
  if (!apt) return notFound(`no ${distro.codename} archive configured in ${where}`);
  return { found: true, url: apt.url, from: apt.from.join(", "), apt };
}

// onnxruntime-node's installer carries the NuGet feed it fetches CUDA providers from.
async function detectNuget(): Promise<Upstream> {
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve("onnxruntime-node");
    const root = main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`));
    const file = path.join(root, "script", "install-metadata.js");
    const metadata = require(file) as { feeds?: { nuget?: { index?: string } } };
    const url = metadata.feeds?.nuget?.index;
    return url ? { found: true, url, from: file } : notFound("onnxruntime-node names no NuGet feed");
  } catch {
    return notFound("onnxruntime-node is not installed");
  }
}
