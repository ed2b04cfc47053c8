import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { findProvider } from "../catalog/query.ts";
import { type Catalog, ECOSYSTEMS, type Ecosystem } from "../catalog/schema.ts";
import { MirrorUserError } from "../errors.ts";
import { type DetectOptions, detectUpstream, type Upstream } from "../upstream/detect.ts";
import { type Distro, readDistro } from "../upstream/host.ts";
import { renderApt } from "./apt.ts";
import { renderConda, renderPip } from "./python.ts";
import { renderDocker, renderModelHubs, renderNode, renderNpm, renderNuget } from "./registries.ts";
import type { RenderContext, Rendered, Resolved } from "./types.ts";

export interface RenderOptions {
  catalog: Catalog;
  /** A provider name, `upstream`, or a choice per ecosystem (such as `autoChoice`'s). */
  mirror: string | Partial<Record<Ecosystem, string>>;
  /** Default: what the named provider offers, or every ecosystem for upstream and per-ecosystem choices. */
  ecosystems?: readonly Ecosystem[];
  outDir: string;
  /** Move the apt security suite to the mirror too (default false). */
  mirrorSecurity?: boolean;
  /** apt target (default: this machine's distribution). */
  distro?: Distro;
  /** Default: classic for Ubuntu jammy, deb822 otherwise (what those images ship). */
  aptFormat?: "classic" | "deb822";
  /** dpkg architecture (default: this machine's). */
  arch?: string;
  /** Default `cu126`. */
  pytorchTrack?: string;
  /** apt sources of the target image, when it is not this machine. */
  aptSources?: string;
  /** Upstream detection, injectable for tests (default: `detectUpstream`). */
  detect?: (ecosystem: Ecosystem, options: DetectOptions) => Promise<Upstream>;
}

/** What was written: file paths, the mirror used per ecosystem, and notes for the user. */
export interface RenderReport {
  outDir: string;
  files: string[];
  choices: Partial<Record<Ecosystem, string>>;
  notes: string[];
}

/**
 * Writes each ecosystem's own configuration into `outDir`: sources.list or <distro>.sources,
 * pip.conf, .condarc, .npmrc, NuGet.Config, daemon.json, buildkitd.toml, mirrors.env (Node binary
 * mirrors, HF_ENDPOINT, MODELSCOPE_DOMAIN) and mirrors.json (what was chosen). Ecosystems a
 * provider does not offer stay upstream. Unknown names are user errors listing the known ones.
 */
export async function renderMirrorConfig(options: RenderOptions): Promise<RenderReport> {
  const distro = options.distro ?? (await readDistro());
  if (!distro) {
    throw new MirrorUserError(
      "NO_DISTRO",
      "cannot read /etc/os-release",
      "pass --distro debian:bookworm (or similar)",
    );
  }
  const ctx: RenderContext = {
    mirrorSecurity: options.mirrorSecurity ?? false,
    distro,
    aptFormat: options.aptFormat ?? (distro.codename === "jammy" ? "classic" : "deb822"),
    arch: options.arch ?? ({ x64: "amd64", arm64: "arm64" }[process.arch as string] || process.arch),
    pytorchTrack: options.pytorchTrack ?? "cu126",
  };
  const choices = chooseNames(options);
  const notes: string[] = [];
  // Only the target's apt flavour can be rendered: the codename belongs to one distribution.
  for (const eco of Object.keys(choices) as Ecosystem[]) {
    if ((eco === "debian" || eco === "ubuntu") && eco !== distro.id) {
      delete choices[eco];
      notes.push(`${eco}: skipped, the target is ${distro.id} ${distro.codename}`);
    }
  }
  const resolved = await resolveAll(options, choices, distro);
  const outputs: Rendered[] = [];
  const get = (eco: Ecosystem) => resolved.find((r) => r.ecosystem === eco);
  for (const r of resolved) {
    if (r.ecosystem === "debian" || r.ecosystem === "ubuntu") outputs.push(renderApt(r, ctx));
    else if (r.ecosystem === "conda") outputs.push(renderConda(r));
    else if (r.ecosystem === "npm") outputs.push(renderNpm(r));
    else if (r.ecosystem === "node") outputs.push(renderNode(r));
    else if (r.ecosystem === "nuget") outputs.push(renderNuget(r));
    else if (r.ecosystem === "docker") outputs.push(renderDocker(r));
    else if (r.ecosystem === "huggingface" || r.ecosystem === "modelscope") outputs.push(renderModelHubs(r));
  }
  if (get("pypi") || get("pytorch")) outputs.push(renderPip(get("pypi"), get("pytorch"), ctx));
  return writeOutputs(options.outDir, outputs, choices, notes);
}

function chooseNames(options: RenderOptions): Partial<Record<Ecosystem, string>> {
  const { catalog, mirror } = options;
  const choices: Partial<Record<Ecosystem, string>> = {};
  if (typeof mirror === "string") {
    const provider = mirror === "upstream" ? undefined : findProvider(catalog, mirror);
    const ecosystems =
      options.ecosystems ?? (provider ? (Object.keys(provider.offers) as Ecosystem[]) : ECOSYSTEMS);
    for (const eco of ecosystems) choices[eco] = provider?.offers[eco] ? mirror : "upstream";
  } else {
    for (const eco of options.ecosystems ?? (Object.keys(mirror) as Ecosystem[])) {
      const name = mirror[eco] ?? "upstream";
      if (name !== "upstream" && !findProvider(catalog, name).offers[eco]) {
        throw new MirrorUserError(
          "NOT_OFFERED",
          `${name} does not serve ${eco}`,
          "choose another mirror or upstream",
        );
      }
      choices[eco] = name;
    }
  }
  return choices;
}

async function resolveAll(
  options: RenderOptions,
  choices: Partial<Record<Ecosystem, string>>,
  distro: Distro,
): Promise<Resolved[]> {
  const detect = options.detect ?? detectUpstream;
  const entries = Object.entries(choices) as [Ecosystem, string][];
  return Promise.all(
    entries.map(async ([ecosystem, mirror]) => {
      const entry = mirror === "upstream" ? undefined : options.catalog.providers[mirror]?.offers[ecosystem];
      // apt needs upstream even with a mirror: the security suite stays there.
      const needsUpstream = !entry || ecosystem === "debian" || ecosystem === "ubuntu";
      const upstream = needsUpstream
        ? await detect(ecosystem, {
            distro,
            ...(options.aptSources ? { aptSources: options.aptSources } : {}),
          })
        : undefined;
      return { ecosystem, mirror, entry, upstream };
    }),
  );
}

async function writeOutputs(
  outDir: string,
  outputs: Rendered[],
  choices: Partial<Record<Ecosystem, string>>,
  notes: string[],
): Promise<RenderReport> {
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const env: Record<string, string> = {};
  for (const out of outputs) {
    for (const file of out.files) {
      const target = path.join(outDir, file.name);
      await writeFile(target, file.content);
      files.push(target);
    }
    Object.assign(env, out.env);
    notes.push(...out.notes);
  }
  if (Object.keys(env).length > 0) {
    const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const target = path.join(outDir, "mirrors.env");
    await writeFile(target, `# Written by i2v-deploy mirrors render\n${lines.join("\n")}\n`);
    files.push(target);
  }
  const manifest = path.join(outDir, "mirrors.json");
  await writeFile(
    manifest,
    `${JSON.stringify({ choices, files: files.map((f) => path.basename(f)), notes }, null, 2)}\n`,
  );
  files.push(manifest);
  return { outDir, files, choices, notes };
}
