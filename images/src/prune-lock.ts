/**
 * Cuts the workspace root's package.json and package-lock.json down to one workspace's production
 * dependencies. The image then installs exactly what the runtime needs, and the npm layer's cache
 * survives changes to the toolkit's own devDependencies (Pulumi, vitest, ...), which never ship.
 */

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/** npm lockfile v2/v3: `packages` keyed by install location ("" is the root). */
export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

export interface PrunedManifests {
  packageJson: Record<string, unknown>;
  lockfile: Lockfile;
}

/** Where Node would find `name` when required from the package at `from` (nearest node_modules up). */
function resolveLocation(
  packages: Record<string, LockEntry>,
  from: string,
  name: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    // A workspace folder ("runtime") resolves next from the root.
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

/**
 * Keeps the root (as a workspace root listing only `workspace`), the workspace and every package
 * reachable from its dependencies, optionalDependencies and required peers.
 */
export function pruneToWorkspace(
  rootPackageJson: Record<string, unknown>,
  lock: Lockfile,
  workspace: string,
): PrunedManifests {
  const packages = lock.packages;
  const ws = packages[workspace];
  if (!ws) throw new Error(`workspace "${workspace}" is not in package-lock.json`);
  const keep = new Set<string>(["", workspace]);
  const linkKey = Object.keys(packages).find((k) => packages[k]?.link && packages[k]?.resolved === workspace);
  if (linkKey) keep.add(linkKey);
  const queue = [workspace];
  while (queue.length) {
    const at = queue.shift() as string;
    const entry = packages[at] ?? {};
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer] of Object.entries(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[peer]?.optional) required[peer] = "*";
    for (const name of Object.keys(required)) {
      const found = resolveLocation(packages, at, name);
      if (!found || keep.has(found)) continue;
      keep.add(found);
      queue.push(found);
    }
  }
  const root = packages[""] ?? {};
  const prunedRoot: LockEntry = { name: root.name, version: root.version, workspaces: [workspace] };
  const kept: Record<string, LockEntry> = {};
  for (const key of Object.keys(packages).sort()) {
    if (!keep.has(key)) continue;
    const entry = packages[key] as LockEntry;
    // Reachable from production code, so nothing kept is dev-only here.
    const { dev: _dev, devOptional: _devOptional, ...rest } = entry;
    kept[key] = key === "" ? prunedRoot : rest;
  }
  const packageJson = {
    name: rootPackageJson.name,
    version: rootPackageJson.version,
    private: true,
    type: rootPackageJson.type,
    workspaces: [workspace],
  };
  return {
    packageJson,
    lockfile: {
      name: lock.name,
      version: lock.version,
      lockfileVersion: lock.lockfileVersion,
      requires: true,
      packages: kept,
    },
  };
}
