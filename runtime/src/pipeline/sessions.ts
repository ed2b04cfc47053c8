import { createHash } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { I2vError } from "../errors.ts";
import { exists } from "../util/exists.ts";
import { framesToRgbGraph } from "./helper-graphs.ts";
import { COMPONENT_ROLES, type ComponentName, type LoadedManifest, manifestError } from "./manifest.ts";
import type { ProviderChoice } from "./providers.ts";
import type { RuntimeOptions } from "./runtime-options.ts";
import { type ComponentIO, checkSignature } from "./signature.ts";

export type SessionName = ComponentName | "frames_to_rgb";

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
    readonly io: Record<ComponentName, ComponentIO>,
    readonly createMs: number,
  ) {}

  static async create(
    loaded: LoadedManifest,
    options: RuntimeOptions,
    provider: ProviderChoice,
  ): Promise<ModelSessions> {
    const started = performance.now();
    const sessions = new Map<SessionName, ort.InferenceSession>();
    const io = {} as Record<ComponentName, ComponentIO>;
    const problems: string[] = [];
    try {
      for (const name of Object.keys(COMPONENT_ROLES) as ComponentName[]) {
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
 * beside the cache key and later starts load it with optimization off, which skips the work.
 */
async function createSession(
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
  const cached = await optimizedModelPath(model, options, provider);
  if (await exists(cached)) {
    try {
      return await ort.InferenceSession.create(cached, { ...base, graphOptimizationLevel: "disabled" });
    } catch {
      await rm(cached, { force: true }); // a damaged cache entry is rebuilt below
    }
  }
  await mkdir(path.dirname(cached), { recursive: true });
  // ORT writes the optimized graph while creating the session; rename it into place only once the
  // session exists, so a killed start never leaves a half-written cache entry.
  const staging = `${cached}.tmp-${process.pid}`;
  const session = await ort.InferenceSession.create(model, { ...base, optimizedModelFilePath: staging });
  await rename(staging, cached).catch(() => rm(staging, { force: true }));
  return session;
}

async function optimizedModelPath(
  model: string,
  options: RuntimeOptions,
  provider: ProviderChoice,
): Promise<string> {
  const info = await stat(model);
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        path.resolve(model),
        info.size,
        info.mtimeMs,
        options.graphOptimizationLevel,
        provider.provider,
        ort.env.versions.node,
      ]),
    )
    .digest("hex")
    .slice(0, 16);
  return path.join(
    options.optimizedModelCacheDir as string,
    `${path.basename(path.dirname(model))}-${key}.onnx`,
  );
}
