import type { AptSource } from "./apt-sources.ts";

/** The distribution's own archive as configured on a machine: what "upstream" means for apt. */
export interface AptArchive {
  url: string;
  suites: string[];
  components: string[];
  securityUrl?: string;
  securitySuites: string[];
  securityComponents: string[];
  signedBy?: string;
  /** The files it was read from, for messages. */
  from: string[];
}

/**
 * Picks the distribution archive for `codename` out of configured sources: the `deb` source whose
 * suites include the codename itself, and the one carrying `<codename>-security`. Third-party
 * repositories (other suite names) are ignored. Undefined when the codename is not configured.
 */
export function archiveFor(sources: readonly AptSource[], codename: string): AptArchive | undefined {
  const debs = sources.filter((s) => s.types.includes("deb"));
  const main = debs.filter((s) => s.suites.includes(codename));
  const security = debs.filter((s) => s.suites.includes(`${codename}-security`));
  const first = main[0];
  if (!first?.uris[0]) return undefined;
  const url = first.uris[0];
  // Classic files put -updates and -backports on lines of their own: gather them by URI.
  const sameArchive = debs.filter((s) => s.uris[0] === url);
  const suites = unique(sameArchive.flatMap((s) => s.suites)).filter(
    (s) => s === codename || s.startsWith(`${codename}-`),
  );
  const sec = security[0];
  return {
    url,
    suites: suites.filter((s) => !s.endsWith("-security")),
    components: unique(sameArchive.flatMap((s) => s.components)),
    securityUrl: sec?.uris[0],
    securitySuites: sec ? [`${codename}-security`] : [],
    securityComponents: sec ? unique(security.flatMap((s) => s.components)) : [],
    signedBy: first.options["signed-by"],
    from: unique([...sameArchive, ...security].map((s) => s.file)),
  };
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
