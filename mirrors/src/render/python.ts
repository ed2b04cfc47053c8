import type { RenderContext, Rendered, Resolved } from "./types.ts";
import { baseUrl, leftToTool, withSlash } from "./types.ts";

/**
 * Renders pip.conf from the PyPI and PyTorch choices together, since pip reads one file:
 * `index-url` for PyPI and `find-links` for the flat PyTorch wheel directory of the chosen track.
 * `trusted-host` is written only for http:// indexes: for https it would just disable TLS checks.
 */
export function renderPip(
  pypi: Resolved | undefined,
  torch: Resolved | undefined,
  ctx: RenderContext,
): Rendered {
  const lines = ["# Written by i2v-deploy mirrors render", "[global]"];
  const notes: string[] = [];
  const index = pypi ? baseUrl(pypi) : undefined;
  if (index) lines.push(`index-url = ${index}`);
  else if (pypi) notes.push(...leftToTool(pypi).notes);
  const trusted = [index, torch?.entry?.url].filter((u): u is string => !!u && u.startsWith("http://"));
  if (trusted.length) lines.push(`trusted-host = ${trusted.map((u) => new URL(u).host).join(" ")}`);
  if (torch?.entry) {
    lines.push(`find-links = ${withSlash(torch.entry.url)}${ctx.pytorchTrack}/`);
    notes.push(
      `pytorch: find-links does not shadow PyPI; pin torch==X+${ctx.pytorchTrack} to get the track's build`,
    );
  } else if (torch) {
    notes.push(...leftToTool(torch).notes);
  }
  if (!index && !torch?.entry) return { files: [], env: {}, notes };
  return { files: [{ name: "pip.conf", content: `${lines.join("\n")}\n` }], env: {}, notes };
}

/**
 * Renders .condarc. A `full` mirror replaces `defaults` and serves community channels through
 * `custom_channels`; a `cloud-only` one (USTC) carries only conda-forge and bioconda, with
 * `nodefaults`, since its Anaconda paths redirect elsewhere.
 */
export function renderConda(r: Resolved): Rendered {
  const entry = r.entry;
  if (!entry) return leftToTool(r);
  const root = entry.url.replace(/\/$/, "");
  const lines = ["# Written by i2v-deploy mirrors render"];
  if (entry.channels === "cloud-only") {
    lines.push("channels:", "  - nodefaults", "custom_channels:");
    for (const ch of ["conda-forge", "bioconda"]) lines.push(`  ${ch}: ${root}/cloud`);
  } else {
    lines.push("channels:", "  - defaults", "default_channels:");
    for (const ch of ["main", "r", "msys2"]) lines.push(`  - ${root}/pkgs/${ch}`);
    lines.push("custom_channels:");
    for (const ch of ["conda-forge", "pytorch"]) lines.push(`  ${ch}: ${root}/cloud`);
  }
  lines.push("show_channel_urls: true");
  const notes = [
    "conda: run `conda clean -i` after switching; the pytorch channel has no releases after 2.5",
  ];
  return { files: [{ name: ".condarc", content: `${lines.join("\n")}\n` }], env: {}, notes };
}
