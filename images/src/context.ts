import { cp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import { cudaCheckScript } from "./cuda-stack.ts";
import { type DockerfilePlan, ORT_NATIVE_DIR, renderDockerfile } from "./dockerfile.ts";
import { type MirrorChoice, renderAptList, renderNpmrc } from "./mirrors-adapter.ts";
import { type Lockfile, pruneToWorkspace } from "./prune-lock.ts";

/** Inputs for one build context folder. */
export interface ContextInput {
  projectDir: string;
  outDir: string;
  /** Folder of CUDA provider libraries for `--gpu`. */
  gpuDir?: string;
  /** PEM bundle the in-image npm must trust (a TLS-inspecting proxy); build stage only. */
  caFile?: string;
  mirror: MirrorChoice;
  plan: Omit<DockerfilePlan, "aptSources" | "gpu" | "extraCa">;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, "utf8")) as T;
}

async function put(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/**
 * Writes the build context: Dockerfile, deps/ (pruned manifests), mirror/, gpu/, app/.
 * Only what the Dockerfile copies goes in, so the engine never hashes node_modules or .git.
 */
export async function stageContext(input: ContextInput): Promise<DockerfilePlan> {
  const { projectDir, outDir, plan } = input;
  const { recipe } = plan;
  const ws = recipe.runtime.workspace;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const entry = path.join(projectDir, recipe.runtime.entry);
  if (!(await exists(entry)))
    throw userError(
      `the runtime entry ${recipe.runtime.entry} does not exist`,
      `build the runtime first (${recipe.runtime.build.join(" ")}) or check the recipe's runtime.entry`,
    );

  const rootPkg = await readJson<Record<string, unknown>>(path.join(projectDir, "package.json"));
  const lock = await readJson<Lockfile>(path.join(projectDir, "package-lock.json"));
  const pruned = pruneToWorkspace(rootPkg, lock, ws);
  const wsPkg = await readFile(path.join(projectDir, ws, "package.json"), "utf8");
  await put(path.join(outDir, "deps", "package.json"), `${JSON.stringify(pruned.packageJson, null, 2)}\n`);
  await put(path.join(outDir, "deps", "package-lock.json"), `${JSON.stringify(pruned.lockfile, null, 2)}\n`);
  await put(path.join(outDir, "deps", ws, "package.json"), wsPkg);
  await put(path.join(outDir, "deps", ".npmrc"), renderNpmrc(input.mirror.npmRegistry));

  if (input.mirror.apt)
    await put(
      path.join(outDir, "mirror", "apt.list"),
      renderAptList(input.mirror.apt, recipe.distro.family, recipe.distro.codename),
    );
  if (input.caFile)
    await put(path.join(outDir, "certs", "extra-ca.pem"), await readFile(input.caFile, "utf8"));
  if (input.gpuDir) await cp(input.gpuDir, path.join(outDir, "gpu"), { recursive: true });
  if (plan.cuda)
    await put(
      path.join(outDir, "cuda", "check-cuda-libs.sh"),
      cudaCheckScript(plan.cuda.requirements, `/app/${ORT_NATIVE_DIR}`),
    );

  await put(path.join(outDir, "app", "package.json"), `${JSON.stringify(pruned.packageJson, null, 2)}\n`);
  await put(path.join(outDir, "app", ws, "package.json"), wsPkg);
  for (const folder of recipe.runtime.include) {
    const from = path.join(projectDir, ws, folder);
    if (await exists(from)) await cp(from, path.join(outDir, "app", ws, folder), { recursive: true });
  }

  const full: DockerfilePlan = {
    ...plan,
    aptSources: Boolean(input.mirror.apt),
    gpu: Boolean(input.gpuDir),
    extraCa: Boolean(input.caFile),
  };
  await writeFile(path.join(outDir, "Dockerfile"), renderDockerfile(full));
  return full;
}
