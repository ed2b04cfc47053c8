import { EventEmitter } from "node:events";
import { Worker } from "node:worker_threads";
import { errorFromJSON, I2vError } from "../errors.ts";
import type { GenerateResult, Progress } from "../pipeline/generate.ts";
import type { ImageLimits } from "../pipeline/image-input.ts";
import type { ModelInfo } from "../pipeline/model.ts";
import type { GenerateParams } from "../pipeline/params.ts";
import type { RuntimeOptionsInput } from "../pipeline/runtime-options.ts";
import type { FromWorker, GenerateExtras, ToWorker } from "./messages.ts";

interface PendingJob {
  resolve(result: GenerateResult): void;
  reject(error: I2vError): void;
  onProgress?: (progress: Progress) => void;
}

/**
 * The main thread's handle on the inference worker: start it, load the model once, submit
 * generations, cancel them, reload the model. Everything crosses as messages, so the HTTP server's
 * event loop never waits on inference.
 */
export class InferenceEngine extends EventEmitter {
  private readonly jobs = new Map<string, PendingJob>();
  private waiters: Array<{
    resolve(info: ModelInfo): void;
    reject(error: I2vError): void;
    kind: "ready" | "reloaded";
  }> = [];
  private exited = false;
  info: ModelInfo | undefined;

  private constructor(private readonly worker: Worker) {
    super();
    worker.on("message", (message: FromWorker) => this.onMessage(message));
    worker.on("error", (error) =>
      this.failAll(new I2vError("internal", `The inference worker crashed: ${error.message}`)),
    );
    worker.on("exit", (code) => {
      this.exited = true;
      this.failAll(new I2vError("interrupted", `The inference worker exited (code ${code}).`));
      this.emit("exit", code);
    });
  }

  /** Starts the worker and loads the model; resolves once it is warmed up. */
  static async start(modelDir: string, runtime: RuntimeOptionsInput = {}): Promise<InferenceEngine> {
    const engine = new InferenceEngine(spawnWorker());
    const ready = engine.waitFor("ready");
    engine.post({ type: "load", modelDir, runtime });
    try {
      engine.info = await ready;
    } catch (error) {
      await engine.close();
      throw error;
    }
    return engine;
  }

  /** Runs one generation in the worker, writing the MP4 to `outPath`. */
  generate(
    id: string,
    params: GenerateParams,
    image: Uint8Array,
    outPath: string,
    onProgress?: (progress: Progress) => void,
    imageLimits?: ImageLimits,
    extras?: GenerateExtras,
  ): Promise<GenerateResult> {
    if (this.exited)
      return Promise.reject(new I2vError("interrupted", "The inference worker is not running."));
    if (this.jobs.has(id)) return Promise.reject(new Error(`job ${id} is already running`));
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.post({
        type: "generate",
        id,
        params,
        image,
        outPath,
        ...(imageLimits ? { imageLimits } : {}),
        ...(extras ? { extras } : {}),
      });
    });
  }

  /** Asks the worker to stop a job between steps; its promise rejects with `reason`. */
  cancel(id: string, reason: "canceled" | "deadline_exceeded" | "interrupted" = "canceled"): void {
    if (this.jobs.has(id)) this.post({ type: "cancel", id, reason });
  }

  /** Loads a model (the same folder re-read, or another) and swaps it in atomically. */
  async reload(modelDir: string): Promise<ModelInfo> {
    const done = this.waitFor("reloaded");
    this.post({ type: "reload", modelDir });
    this.info = await done;
    return this.info;
  }

  get activeJobs(): number {
    return this.jobs.size;
  }

  async close(): Promise<void> {
    if (this.exited) return;
    this.post({ type: "close" });
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    const timeout = setTimeout(() => void this.worker.terminate(), 5000);
    await exited;
    clearTimeout(timeout);
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private waitFor(kind: "ready" | "reloaded"): Promise<ModelInfo> {
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject, kind }));
  }

  private settleWaiter(kind: "ready" | "reloaded", info?: ModelInfo, error?: I2vError): void {
    const index = this.waiters.findIndex((w) => w.kind === kind);
    const waiter = this.waiters.splice(index, 1)[0];
    if (index < 0 || !waiter) return;
    if (error) waiter.reject(error);
    else waiter.resolve(info as ModelInfo);
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case "ready":
        this.settleWaiter("ready", message.info);
        return;
      case "load_failed":
        this.settleWaiter("ready", undefined, errorFromJSON(message.error));
        return;
      case "reloaded":
        this.settleWaiter("reloaded", message.info);
        return;
      case "reload_failed":
        this.settleWaiter("reloaded", undefined, errorFromJSON(message.error));
        return;
      case "progress":
        this.jobs.get(message.id)?.onProgress?.(message.progress);
        return;
      case "done":
        this.jobs.get(message.id)?.resolve(message.result);
        this.jobs.delete(message.id);
        return;
      case "failed":
        this.jobs.get(message.id)?.reject(errorFromJSON(message.error));
        this.jobs.delete(message.id);
        return;
      case "log":
        this.emit("log", message);
        return;
    }
  }

  private failAll(error: I2vError): void {
    for (const job of this.jobs.values()) job.reject(error);
    this.jobs.clear();
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
  }
}

/** Runs the compiled worker, or the TypeScript one through tsx when running from source. */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const url = new URL(`./worker-main.${fromSource ? "ts" : "js"}`, import.meta.url);
  if (!fromSource) return new Worker(url);
  // On Node 20, a worker gets neither the parent's loader hooks nor `--import` ones in time for its
  // entry file: register tsx inside the worker, then import the entry.
  const bootstrap = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}
