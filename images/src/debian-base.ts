import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runTool } from "../../runtime/src/util/run-tool.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";

/** The tag under which the locally built Debian base is cached. */
export const DEBIAN_BASE_IMAGE = "i2v-test/debian-base:bookworm";

/**
 * Reads the Debian archive URL this host's apt already uses (deb822 `.sources` or classic
 * `sources.list`), so the base image is built from the same reachable mirror. No host name is
 * written into the code: a machine behind a mirror or proxy keeps working.
 */
export async function hostDebianMirror(aptDir = "/etc/apt"): Promise<string> {
  const candidates = [
    path.join(aptDir, "sources.list.d", "debian.sources"),
    path.join(aptDir, "sources.list"),
  ];
  for (const file of candidates) {
    const text = await readFile(file, "utf8").catch(() => "");
    const uri = parseDebianMirror(text);
    if (uri) return uri;
  }
  throw userError(
    `no Debian archive URL found in ${candidates.join(" or ")}`,
    "set I2V_DEBIAN_MIRROR=http://<your-mirror>/debian to the Debian archive this host can reach",
  );
}

/** Picks the main (non-security) Debian archive URI out of apt source text, either format. */
export function parseDebianMirror(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    const deb822 = /^URIs:\s*(\S+)/i.exec(trimmed);
    const classic = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/.exec(trimmed);
    const uri = deb822?.[1] ?? classic?.[1];
    if (uri && !uri.includes("security")) return uri;
  }
  return undefined;
}

/** Options for {@link ensureDebianBase}. */
export interface DebianBaseOptions {
  /** Image tag to create; default {@link DEBIAN_BASE_IMAGE}. */
  tag?: string;
  /** Archive URL; default I2V_DEBIAN_MIRROR, then the host's apt config. */
  mirror?: string;
  log?: (line: string) => void;
}

async function imageExists(tag: string): Promise<boolean> {
  try {
    await runTool("docker", ["image", "inspect", tag]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a minimal Debian bookworm image from packages (`debootstrap --variant=minbase`, then
 * `docker import`) for machines where no registry can be pulled from. Skips the work when the tag
 * exists. Callers that may race (parallel test files) wrap this in a file lock.
 */
export async function ensureDebianBase(options: DebianBaseOptions = {}): Promise<string> {
  const tag = options.tag ?? DEBIAN_BASE_IMAGE;
  const log = options.log ?? (() => {});
  if (await imageExists(tag)) return tag;
  const mirror = options.mirror ?? process.env.I2V_DEBIAN_MIRROR ?? (await hostDebianMirror());
  const work = await mkdtemp(path.join(os.tmpdir(), "i2v-debootstrap-"));
  const root = path.join(work, "rootfs");
  await mkdir(root);
  try {
    log(`debootstrap bookworm from ${mirror} (a few minutes, once)`);
    await runTool("debootstrap", ["--variant=minbase", "bookworm", root, mirror]);
    // Smaller and reproducible-ish: package lists and caches are not needed in a base image.
    await runTool("sh", [
      "-c",
      `rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/*`,
    ]);
    log(`docker import as ${tag}`);
    await runTool("sh", [
      "-c",
      `tar -C "${root}" -c . | docker import --change 'CMD ["/bin/bash"]' - "${tag}"`,
    ]);
    return tag;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
