import { MirrorUserError } from "../errors.ts";
import type { AptArchive } from "../upstream/apt-archive.ts";
import type { RenderContext, Rendered, Resolved } from "./types.ts";

/** One deb stanza before formatting. */
interface Stanza {
  uri: string;
  suites: string[];
  components: string[];
  signedBy?: string;
  comment: string;
}

// What each distribution ships by default: Debian 12+ added non-free-firmware; Ubuntu's four.
const COMPONENTS: Record<string, string[]> = {
  debian: ["main", "contrib", "non-free", "non-free-firmware"],
  ubuntu: ["main", "restricted", "universe", "multiverse"],
};
const KEYRINGS: Record<string, string> = {
  debian: "/usr/share/keyrings/debian-archive-keyring.gpg",
  ubuntu: "/usr/share/keyrings/ubuntu-archive-keyring.gpg",
};

/**
 * Renders apt sources for the target distribution, classic or deb822. With a mirror, the main,
 * -updates and -backports suites move to it; the security suite stays on the upstream security
 * archive (read from the machine's or the base image's sources) unless `mirrorSecurity` is set.
 */
export function renderApt(r: Resolved, ctx: RenderContext): Rendered {
  const flavour = r.ecosystem;
  const up: AptArchive | undefined = r.upstream?.found ? r.upstream.apt : undefined;
  const codename = ctx.distro.codename;
  const stanzas: Stanza[] = [];
  if (r.entry) {
    stanzas.push({
      uri: mirrorUri(r, ctx),
      suites: [codename, `${codename}-updates`, `${codename}-backports`],
      components: COMPONENTS[flavour] ?? ["main"],
      signedBy: up?.signedBy ?? KEYRINGS[flavour],
      comment: `${r.mirror} (${r.entry.source})`,
    });
  } else if (up) {
    stanzas.push({
      uri: up.url,
      suites: up.suites,
      components: up.components,
      signedBy: up.signedBy,
      comment: "upstream",
    });
  } else {
    throw noUpstream(r, "the main archive");
  }
  stanzas.push(securityStanza(r, ctx, up));
  const name = ctx.aptFormat === "classic" ? "sources.list" : `${flavour}.sources`;
  const content = ctx.aptFormat === "classic" ? classic(stanzas) : deb822(stanzas);
  return { files: [{ name, content }], env: {}, notes: [] };
}

// Ubuntu serves architectures other than amd64/i386 from a separate ports tree.
function mirrorUri(r: Resolved, ctx: RenderContext): string {
  const entry = r.entry as NonNullable<Resolved["entry"]>;
  const ports = r.ecosystem === "ubuntu" && !["amd64", "i386"].includes(ctx.arch);
  return ports ? (entry.ports ?? `${entry.url}-ports`) : entry.url;
}

function securityStanza(r: Resolved, ctx: RenderContext, up: AptArchive | undefined): Stanza {
  const suite = `${ctx.distro.codename}-security`;
  const components = up?.securityComponents.length
    ? up.securityComponents
    : (COMPONENTS[r.ecosystem] ?? ["main"]);
  const signedBy = up?.signedBy ?? KEYRINGS[r.ecosystem];
  if (ctx.mirrorSecurity && r.entry) {
    // Ubuntu mirrors carry <codename>-security in the same tree; Debian's lives in its own archive.
    const uri = r.entry.security ?? (r.ecosystem === "ubuntu" ? mirrorUri(r, ctx) : undefined);
    if (!uri) {
      throw new MirrorUserError(
        "NO_MIRROR_SECURITY",
        `${r.mirror} has no known ${r.ecosystem} security archive`,
        "drop --mirror-security (security then stays upstream) or choose a mirror whose catalog entry has `security`",
      );
    }
    return {
      uri,
      suites: [suite],
      components,
      signedBy,
      comment: `security on ${r.mirror} (--mirror-security)`,
    };
  }
  if (!up?.securityUrl) throw noUpstream(r, "the security archive");
  const comment = "security stays upstream: mirrors lag on security updates";
  return { uri: up.securityUrl, suites: [suite], components, signedBy, comment };
}

function noUpstream(r: Resolved, what: string): MirrorUserError {
  const reason = r.upstream && !r.upstream.found ? r.upstream.reason : "not configured";
  return new MirrorUserError(
    "NO_APT_UPSTREAM",
    `cannot tell the upstream ${r.ecosystem} ${what}: ${reason}`,
    "pass --apt-sources FILE with the target image's own apt sources, or --mirror-security to use the mirror",
  );
}

function classic(stanzas: Stanza[]): string {
  const lines = ["# Written by i2v-deploy mirrors render"];
  for (const s of stanzas) {
    lines.push(`# ${s.comment}`);
    const opts = s.signedBy ? `[signed-by=${s.signedBy}] ` : "";
    for (const suite of s.suites) lines.push(`deb ${opts}${s.uri} ${suite} ${s.components.join(" ")}`);
  }
  return `${lines.join("\n")}\n`;
}

function deb822(stanzas: Stanza[]): string {
  const blocks = stanzas.map((s) =>
    [
      `# ${s.comment}`,
      "Types: deb",
      `URIs: ${s.uri}`,
      `Suites: ${s.suites.join(" ")}`,
      `Components: ${s.components.join(" ")}`,
      ...(s.signedBy ? [`Signed-By: ${s.signedBy}`] : []),
    ].join("\n"),
  );
  return `# Written by i2v-deploy mirrors render\n${blocks.join("\n\n")}\n`;
}
