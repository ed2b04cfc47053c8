import { createHash } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { I2vError } from "../errors.ts";
import { exists } from "../util/exists.ts";
import { framesToRgbGraph } from "./helper-graphs.ts";
import { type AnyComponentName, componentNames, type LoadedManifest, manifestError } from "./manifest.ts";
import type { ProviderChoice } from "./providers.ts";
import type { RuntimeOptions } from "./runtime-options.ts";
import { type ComponentIO, checkSignature } from "./signature.ts";

export type SessionName = AnyComponentName | "frames_to_rgb";

/** Time spent inside ONNX Runtime, per session, for stage timings and the overhead benchmark. */
export class RunClock {
  readonly ms = new Map<SessionName, number>();
  readonly calls = new Map<SessionName, number>();

  add(name: SessionName, ms: number): void {
    this.ms.set(name, (this.ms.get(name) ?? 0) + ms);
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  total(): number {
    let sum = 0;
    for (const v of this.ms.values()) sum += v;
    return sum;
  }
}

/**
 * Every ONNX Runtime session of one model, created once, checked against the manifest and warmed
 * up. The pipeline runs them only through `run`, which times each call.
 */
export class ModelSessions {
  private constructor(
    readonly loaded: LoadedManifest,
    readonly provider: ProviderChoice,
    private readonly sessions: Map<SessionName, ort.InferenceSession>,
    /** Role -> graph I/O of each component the manifest has (a family's pipeline reads only its own). */
    readonly io: Record<AnyComponentName, ComponentIO>,
    readonly createMs: number,
  ) {}

  static async create(
    loaded: LoadedManifest,
    options: RuntimeOptions,
    provider: ProviderChoice,
  ): Promise<ModelSessions> {
    const started = performance.now();
    const sessions = new Map<SessionName, ort.InferenceSession>();
    const io = {} as Record<AnyComponentName, ComponentIO>;
    const problems: string[] = [];
    try {
      for (const name of componentNames(loaded.manifest)) {
        const session = await createSession(loaded.files[name], options, provider);
        sessions.set(name, session);
        const checked = checkSignature(name, session, loaded);
        problems.push(...checked.problems);
        io[name] = checked.io;
      }
      if (problems.length > 0) throw manifestError(loaded.dir, problems);
      sessions.set("frames_to_rgb", await createSession(framesToRgbGraph(), options, provider));
    } catch (error) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      if (error instanceof I2vError) throw error;
      throw new I2vError(
        "inference_failed",
        `Could not load the model in ${loaded.dir}: ${(error as Error).message}`,
      );
    }
    return new ModelSessions(loaded, provider, sessions, io, performance.now() - started);
  }

  /** Runs one session and records its time on `clock`. */
  async run(
    name: SessionName,
    feeds: Record<string, ort.Tensor>,
    clock?: RunClock,
  ): Promise<ort.InferenceSession.ReturnType> {
    const session = this.sessions.get(name);
    if (!session) throw new Error(`no session ${name}`);
    const started = performance.now();
    try {
      return await session.run(feeds);
    } catch (error) {
      throw new I2vError("inference_failed", `${name} failed: ${(error as Error).message.split("\n")[0]}`, {
        session: name,
      });
    } finally {
      clock?.add(name, performance.now() - started);
    }
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.release()));
    this.sessions.clear();
  }
}

/** Session options from the typed runtime config. */
export function sessionOptions(
  options: RuntimeOptions,
  provider: ProviderChoice,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider.providers,
    graphOptimizationLevel: options.graphOptimizationLevel,
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    enableCpuMemArena: true,
    // ORT's pool threads busy-wait for work by default; while a model loads, the idle pools of the
    // sessions already created spin on the cores the next session needs. Off: the warm load went
    // from 2.4-2.8 to 0.79 of the file-read floor, with the same UNet step (docs/performance.md).
    extra: { session: { intra_op: { allow_spinning: "0" } } },
    enableMemPattern: true,
    logSeverityLevel: 3,
  };
}

/**
 * Creates a session. With an optimized-model cache, the first start saves ORT's optimized graph
 * and later starts load it with optimization off, which skips the work.
 *
 * Each cache entry is a folder holding `model.onnx` and its weights in `model.onnx.data`: ORT's
 * session config `session.optimized_model_external_initializers_file_name` makes it write every
 * initializer of at least `..._min_size_in_bytes` there instead of inside the graph, which keeps
 * the graph under protobuf's 2 GB limit and makes the entry independent of the source's own
 * external-data file (without it, a model with external data saved a graph pointing at a
 * `model.onnx.data` that does not exist beside the cache). An entry that cannot be loaded is logged
 * with ORT's reason, then replaced.
 */
export async function createSession(
  model: string | Uint8Array,
  options: RuntimeOptions,
  provider: ProviderChoice,
): Promise<ort.InferenceSession> {
  const base = sessionOptions(options, provider);
  if (
    typeof model !== "string" ||
    !options.optimizedModelCacheDir ||
    options.graphOptimizationLevel === "disabled"
  ) {
    return typeof model === "string"
      ? ort.InferenceSession.create(model, base)
      : ort.InferenceSession.create(model, base);
  }
  const entry = await optimizedModelEntry(model, options, provider);
  const cached = path.join(entry, CACHED_GRAPH);
  if (await exists(cached)) {
    try {
      return await ort.InferenceSession.create(cached, { ...base, graphOptimizationLevel: "disabled" });
    } catch (error) {
      console.warn(
        `optimized-model cache: ${entry} cannot be loaded (${(error as Error).message.split("\n")[0]}); optimizing ${model} again and replacing it`,
      );
      await rm(entry, { recursive: true, force: true });
    }
  }
  await mkdir(path.dirname(entry), { recursive: true });
  // ORT writes the optimized graph while creating the session; the folder is renamed into place only
  // once the session exists, so a killed start never leaves a half-written cache entry.
  const staging = `${entry}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const session = await ort.InferenceSession.create(model, {
    ...base,
    optimizedModelFilePath: path.join(staging, CACHED_GRAPH),
    extra: {
      ...base.extra,
      session: {
        ...(base.extra as { session?: Record<string, unknown> } | undefined)?.session,
        optimized_model_external_initializers_file_name: `${CACHED_GRAPH}.data`,
        optimized_model_external_initializers_min_size_in_bytes: "1024",
      },
    },
  });
  await rename(staging, entry).catch(async (error) => {
    await rm(staging, { recursive: true, force: true });
    console.warn(`optimized-model cache: could not store ${entry} (${(error as Error).message})`);
  });
  return session;
}

const CACHED_GRAPH = "model.onnx";

/**
 * The cache entry's folder. Its key covers the graph file and every other file of the
 * component's folder (the external data: `model.fp32.onnx.data`), by name, size and mtime, plus
 * the optimization level, provider and ORT version.
 */
export async function optimizedModelEntry(
  model: string,
  options: RuntimeOptions,
  provider: ProviderChoice,
): Promise<string> {
  const dir = path.dirname(path.resolve(model));
  const files = [];
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(path.join(dir, name));
    if (info.isFile()) files.push([name, info.size, info.mtimeMs]);
  }
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        path.resolve(model),
        files,
        options.graphOptimizationLevel,
        provider.provider,
        ort.env.versions.node,
      ]),
    )
    .digest("hex")
    .slice(0, 16);
  return path.join(options.optimizedModelCacheDir as string, `${path.basename(dir)}-${key}`);
}
