import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { loadCatalog, MirrorsExhaustedError, withMirrorFailover } from "../../mirrors/src/index.ts";
import { cacheDir as userCacheDir } from "../../runtime/src/config/model-dir.ts";
import { CUDA_REQUIREMENTS } from "../../runtime/src/gpu/cuda-requirements.ts";
import { runTool } from "../../runtime/src/util/run-tool.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import type { BuildEntry, BuildLog } from "./build-log.ts";
import { stageContext } from "./context.ts";
import { cudaLabels } from "./cuda-stack.ts";
import { cudaImageTag, ensureCudaImage } from "./cuda-wheels.ts";
import { DEBIAN_BASE_IMAGE, ensureDebianBase } from "./debian-base.ts";
import { bakeSpaceNeeds, checkSpace } from "./disk-space.ts";
import type { DockerClient, ImageFacts } from "./docker-client.ts";
import { ensureExportImage, exportMirrorChoice, loadExportPins, needsExport } from "./export/index.ts";
import { imageLabels } from "./labels.ts";
import { isBakeMirrorFault, type MirrorChoice, mirrorCandidates, mirrorImageRef } from "./mirrors-adapter.ts";
import { ensureToolchainImage, unpackNpmPackage } from "./node-dist.ts";
import { fetchOrtGpuLibraries, ortVersionFromLock } from "./nuget.ts";
import { type OfflineManifest, saveOfflineArchive } from "./offline.ts";
import { loadRecipe, type Recipe, recipeHash } from "./recipe.ts";
import { ensureWeightsImage, type ResolvedModel, resolveModel } from "./weights.ts";

/** What `npm run bake-image` takes; every field has the CLI's default. */
export interface BakeOptions {
  /** Recipe name (images/recipes) or path. Default `production`. */
  recipe: string;
  /** Repository root holding package.json, package-lock.json and the runtime workspace. */
  projectDir: string;
  /** `auto`, `upstream` or a catalog provider name. */
  mirror: string;
  /** Mirror catalog; default mirrors/catalog.yaml. */
  catalogFile?: string;
  /** Overrides the recipe's base image. */
  base?: string;
  /** `demo`, a folder, or a Hub reference. Default `demo`. */
  model: string;
  /** Hugging Face cache on the SSD; default HF_HUB_CACHE / HF_HOME as the runtime resolves it. */
  hfCacheDir?: string;
  /** `baked` (own layer) or `volume` (mount the folder at run time). */
  weights: "baked" | "volume";
  gpu: boolean;
  /**
   * Where `gpu` takes ONNX Runtime's CUDA provider from: `pypi` (default: onnxruntime-gpu and the
   * NVIDIA CUDA/cuDNN wheels, checked and labelled) or `nuget` (the provider libraries only; the
   * base image must bring a matching CUDA, e.g. `--base` an NVIDIA CUDA image).
   */
  gpuSource?: "pypi" | "nuget";
  /** NuGet v3 service indexes to try before the mirror's (a private feed). */
  nugetFeeds?: string[];
  /** Where verified NuGet extracts are kept; default <cacheDir>/nuget. */
  nugetCacheDir?: string;
  /** onnxruntime-node version the providers must match; default from package-lock.json. */
  ortVersion?: string;
  tag: string;
  /** Also write a compressed archive (+ manifest) here: `.tar.gz`, or `.tar.zst` with zstd. */
  offline?: string;
  /** Extra CA bundle for the in-image npm (default: NODE_EXTRA_CA_CERTS when set). */
  caFile?: string;
  /** Write the build context (Dockerfile and files) here and stop before building (review, CI diff). */
  contextOut?: string;
  /** Build without Docker's layer cache (benchmarks' cold bake). */
  noCache?: boolean;
  /** Skip the runtime's build command (it was just built, or a test staged it). */
  skipRuntimeBuild?: boolean;
  /** Scratch and download cache; default <projectDir>/.cache/images. */
  cacheDir?: string;
  signal?: AbortSignal;
  onEntry?: (entry: BuildEntry) => void;
  log?: (line: string) => void;
}

/** One named stage of a bake; the CLI shows these as a task list. */
export interface BakeStage {
  title: string;
  run(state: BakeState): Promise<void>;
}

/** Shared state the stages fill in, and the summary the CLI prints. */
export interface BakeState {
  options: BakeOptions;
  cacheDir: string;
  recipe?: Recipe;
  candidates?: MirrorChoice[];
  mirror?: MirrorChoice;
  toolchainImage?: string;
  model?: ResolvedModel;
  weightsImage?: string;
  gpuDir?: string;
  /** The `i2v-cuda/...` image holding the provider and CUDA libraries (gpuSource pypi). */
  cudaImage?: string;
  image?: ImageFacts;
  archive?: OfflineManifest;
  /** Docker's build log of the image build (steps, cached or not). */
  log?: BuildLog;
  cachedSteps?: number;
  totalSteps?: number;
  timings: Record<string, number>;
}

async function gitRevision(dir: string): Promise<string> {
  return runTool("git", ["rev-parse", "HEAD"], { cwd: dir }).then(
    (r) => r.stdout.trim(),
    () => "unknown",
  );
}

/** The bake, as ordered stages over a shared state (no UI here: see scripts/bake-image.ts). */
export function bakeStages(client: DockerClient): BakeStage[] {
  return [
    {
      title: "Recipe and mirrors",
      async run(s) {
        s.recipe = await loadRecipe(s.options.recipe);
        if (s.options.base) s.recipe = { ...s.recipe, base: s.options.base };
        s.candidates = await mirrorCandidates(s.options.mirror, s.recipe.distro.family, {
          catalogFile: s.options.catalogFile,
        });
      },
    },
    {
      title: "Disk space",
      async run(s) {
        // Before anything is written: a full disk would otherwise fail a layer minutes in.
        s.model = await resolveModel(s.options.model, s.options.hfCacheDir);
        const gpuFromPypi = s.options.gpu && (s.options.gpuSource ?? "pypi") === "pypi";
        await checkSpace(
          bakeSpaceNeeds({
            dockerRoot: await client.dataRoot(),
            cacheDir: s.cacheDir,
            wheelsDir: path.join(userCacheDir(), "wheels"),
            gpu: gpuFromPypi,
            cudaImageCached: gpuFromPypi && Boolean(await client.inspect(cudaImageTag(CUDA_REQUIREMENTS))),
            weightsBytes:
              s.model.kind === "folder" && s.options.weights === "baked" && !s.options.contextOut
                ? s.model.bytes
                : 0,
          }),
        );
      },
    },
    {
      title: "Base image",
      async run(s) {
        // The only base this machine can make itself; any other must come through a registry.
        if (s.recipe?.base === DEBIAN_BASE_IMAGE) await ensureDebianBase({ log: s.options.log });
      },
    },
    {
      title: "Runtime build",
      async run(s) {
        const [cmd, ...args] = s.recipe?.runtime.build ?? [];
        if (s.options.skipRuntimeBuild || !cmd) return;
        await runTool(cmd, args, { cwd: s.options.projectDir }).catch((error: Error) => {
          // execa's error names the command, how it ended and what the build printed.
          throw userError(
            `the runtime build failed: ${error.message}`,
            "fix the build, or pass --skip-runtime-build to bake what runtime/dist holds now",
          );
        });
      },
    },
    {
      title: "Node and npm",
      async run(s) {
        const dist = path.join(s.cacheDir, "dist");
        const registry = s.candidates?.[0]?.npmRegistry;
        const node = await unpackNpmPackage(s.recipe?.node.package as string, dist, registry);
        const npm = await unpackNpmPackage(s.recipe?.node.npm as string, dist, registry);
        s.toolchainImage = await ensureToolchainImage(client, node, npm, s.cacheDir);
      },
    },
    {
      title: "Weights",
      async run(s) {
        s.model ??= await resolveModel(s.options.model, s.options.hfCacheDir);
        if (s.model.kind !== "folder" || s.options.weights !== "baked") return;
        if (await needsExport(s.model.dir)) {
          // A diffusers I2VGen-XL folder: export it to ONNX once per revision (images/export).
          const catalog = await loadCatalog(s.options.catalogFile);
          const { pythonBase } = await loadExportPins();
          s.weightsImage = await ensureExportImage(client, s.model, {
            catalog,
            mirror: await exportMirrorChoice(s.options.mirror, catalog),
            baseRef: s.candidates?.[0] ? mirrorImageRef(pythonBase, s.candidates[0]) : pythonBase,
            workDir: s.cacheDir,
            ...(s.options.log ? { log: s.options.log } : {}),
          });
        } else {
          s.weightsImage = await ensureWeightsImage(client, s.model, s.cacheDir);
        }
      },
    },
    {
      title: "GPU providers and CUDA libraries",
      async run(s) {
        if (!s.options.gpu) return;
        const version =
          s.options.ortVersion ??
          (await ortVersionFromLock(path.join(s.options.projectDir, "package-lock.json")));
        if ((s.options.gpuSource ?? "pypi") === "pypi") {
          // Mirrors that serve PyPI first, then pip's own configuration.
          const indexes = [...new Set([...(s.candidates ?? []).map((m) => m.pypiIndex), undefined])];
          s.cudaImage = await ensureCudaImage(client, {
            requirements: CUDA_REQUIREMENTS,
            onnxruntimeNode: version,
            indexes,
            cacheDir: s.cacheDir,
            ...(s.options.log ? { log: s.options.log } : {}),
          });
          return;
        }
        const feeds = [...(s.options.nugetFeeds ?? []), ...(s.candidates ?? []).map((m) => m.nugetIndex)];
        s.gpuDir = await fetchOrtGpuLibraries({
          feeds: [...new Set(feeds)],
          version,
          cacheDir: s.options.nugetCacheDir ?? path.join(s.cacheDir, "nuget"),
          log: s.options.log,
        });
      },
    },
    {
      title: "Image build",
      async run(s) {
        const recipe = s.recipe as Recipe;
        const model = s.model as ResolvedModel;
        const revision = await gitRevision(s.options.projectDir);
        // A base that exists locally (the debootstrap one, or one loaded from an archive) is used as is.
        const localBase = Boolean(await client.inspect(recipe.base));
        const stage = (mirror: MirrorChoice, outDir: string) =>
          stageContext({
            projectDir: s.options.projectDir,
            outDir,
            gpuDir: s.gpuDir,
            caFile: s.options.caFile ?? process.env.NODE_EXTRA_CA_CERTS,
            mirror,
            plan: {
              recipe,
              baseRef: localBase ? recipe.base : mirrorImageRef(recipe.base, mirror),
              toolchainImage: s.toolchainImage as string,
              weightsImage: s.weightsImage,
              modelPath: model.kind === "demo" ? "demo" : `/models/${model.slug}`,
              ...(s.cudaImage ? { cuda: { image: s.cudaImage, requirements: CUDA_REQUIREMENTS } } : {}),
              labels: {
                ...imageLabels({
                  recipe,
                  hash: recipeHash(recipe),
                  revision,
                  model,
                  mirror: mirror.name,
                }),
                ...(s.cudaImage ? cudaLabels(CUDA_REQUIREMENTS) : {}),
                ...(s.gpuDir ? { "ai.i2v.gpu.source": "nuget" } : {}),
              },
            },
          });
        if (s.options.contextOut) {
          s.mirror = s.candidates?.[0];
          await stage(s.mirror as MirrorChoice, path.resolve(s.options.contextOut));
          return;
        }
        // One folder per bake: two bakes of the same recipe at once must not share a context.
        await mkdir(path.join(s.cacheDir, "context"), { recursive: true });
        const contextDir = await mkdtemp(path.join(s.cacheDir, "context", `${recipe.name}-`));
        const candidates = s.candidates ?? [];
        const { value, mirror } = await withMirrorFailover(
          candidates,
          async (mirror) => {
            await stage(mirror, contextDir);
            return client.build(contextDir, {
              tag: s.options.tag,
              noCache: s.options.noCache,
              signal: s.options.signal,
              onEntry: s.options.onEntry,
            });
          },
          {
            // No `signal` here: the build handles the bake's deadline itself and reports the step
            // it stopped at (BUILD_TIMEOUT), which failover's own race would cut short.
            retryOn: isBakeMirrorFault,
            onAttempt: (a) => {
              if (!a.ok && a.attempt < candidates.length && isBakeMirrorFault(a.error))
                s.options.log?.(
                  `mirror ${a.mirror.name} failed (${String((a.error as Error).message).split("\n")[0]}); next`,
                );
            },
          },
        )
          // Earlier mirrors' failures were logged; the last one's BuildStepError (its step output
          // and hint) is what the user acts on.
          .catch((error: unknown) => {
            throw error instanceof MirrorsExhaustedError ? (error.failures.at(-1)?.error ?? error) : error;
          })
          .finally(() => rm(contextDir, { recursive: true, force: true }));
        s.mirror = mirror;
        s.log = value.log;
        s.cachedSteps = value.log.cachedSteps();
        s.totalSteps = value.log.steps.length;
        s.image = await client.inspect(value.imageId);
      },
    },
    {
      title: "Offline archive",
      async run(s) {
        if (s.options.offline && s.image)
          s.archive = await saveOfflineArchive(client, s.options.tag, path.resolve(s.options.offline));
      },
    },
  ];
}

/** Runs every stage in order, timing each; the state carries the result. */
export async function bake(client: DockerClient, options: BakeOptions): Promise<BakeState> {
  const state: BakeState = {
    options,
    cacheDir: options.cacheDir ?? path.join(options.projectDir, ".cache", "images"),
    timings: {},
  };
  for (const stage of bakeStages(client)) await timed(state, stage);
  return state;
}

/** Runs one stage and records its wall time in seconds. */
export async function timed(state: BakeState, stage: BakeStage): Promise<void> {
  const started = performance.now();
  try {
    await stage.run(state);
  } finally {
    state.timings[stage.title] = (performance.now() - started) / 1000;
  }
}
