import type { CatalogEntry, Ecosystem } from "../catalog/schema.ts";
import type { Upstream } from "../upstream/detect.ts";
import type { Distro } from "../upstream/host.ts";

/** What was decided for one ecosystem: a catalog mirror, or upstream (the tool's own default). */
export interface Resolved {
  ecosystem: Ecosystem;
  mirror: string;
  /** The catalog entry when `mirror` is a provider. */
  entry?: CatalogEntry;
  /** The detected upstream (always looked up for apt, whose security suite stays there). */
  upstream?: Upstream;
}

/** Settings shared by all renderers. */
export interface RenderContext {
  /** Also move the apt security suite to the mirror (off by default: mirrors lag on security). */
  mirrorSecurity: boolean;
  /** The apt target distribution (default: this machine's). */
  distro: Distro;
  /** apt file format: classic sources.list or deb822 .sources. */
  aptFormat: "classic" | "deb822";
  /** dpkg architecture; Ubuntu serves non-x86 from the ports tree. */
  arch: string;
  /** PyTorch wheel track for find-links, such as cu126 or cpu. */
  pytorchTrack: string;
}

/** A renderer's output: files by name, env lines for the shared env file, and notes for the user. */
export interface Rendered {
  files: { name: string; content: string }[];
  env: Record<string, string>;
  notes: string[];
}

/** The base URL a resolved choice points at, or undefined when upstream is left to the tool. */
export function baseUrl(r: Resolved): string | undefined {
  if (r.entry) return r.entry.url;
  return r.upstream?.found ? r.upstream.url : undefined;
}

/** Output of an ecosystem left at the tool's default: no file, and a note saying why. */
export function leftToTool(r: Resolved): Rendered {
  const why = r.upstream && !r.upstream.found ? ` (${r.upstream.reason})` : "";
  return { files: [], env: {}, notes: [`${r.ecosystem}: left at the tool's own default${why}`] };
}

/** Adds a trailing slash where a tool expects a directory-like base URL. */
export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
