import { parentPort } from "node:worker_threads";
import { Mp4Writer } from "../encode/mp4-writer.ts";
import { I2vError } from "../errors.ts";
import { FramesDirSink } from "../pipeline/frames-dir-sink.ts";
import { generate } from "../pipeline/generate.ts";
import { LoadedModel } from "../pipeline/model.ts";
import type { RuntimeOptionsInput } from "../pipeline/runtime-options.ts";
import type { ErrorJSON, FromWorker, ToWorker } from "./messages.ts";

/**
 * The inference worker: owns every ONNX Runtime session, so `session.run` (synchronous native work)
 * never blocks the HTTP server's event loop. Jobs share the loaded model; a reload swaps it
 * atomically, and jobs already running finish on the model they started with.
 */
if (!parentPort) throw new Error("worker-main must run in a worker thread");
const port = parentPort;

let model: LoadedModel | undefined;
let runtime: RuntimeOptionsInput = {};
const running = new Map<string, { controller: AbortController; model: LoadedModel }>();
const retired = new Set<LoadedModel>();

const send = (message: FromWorker) => port.postMessage(message);

port.on("message", (message: ToWorker) => {
  void handle(message);
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "load":
      runtime = message.runtime;
      try {
        model = await LoadedModel.load(message.modelDir, runtime);
        if (model.info.providerWarning)
          send({ type: "log", level: "warn", message: model.info.providerWarning });
        send({ type: "ready", info: model.info });
      } catch (error) {
        send({ type: "load_failed", error: toJSON(error) });
      }
      return;
    case "reload":
      try {
        const next = await LoadedModel.load(message.modelDir, runtime);
        const previous = model;
        model = next;
        if (previous) {
          retired.add(previous);
          await releaseIfIdle(previous);
        }
        send({ type: "reloaded", info: next.info });
      } catch (error) {
        send({ type: "reload_failed", error: toJSON(error) });
      }
      return;
    case "generate":
      await runJob(message.id, message);
      return;
    case "cancel": {
      const job = running.get(message.id);
      job?.controller.abort(new I2vError(message.reason, reasonText(message.reason)));
      return;
    }
    case "close":
      for (const job of running.values())
        job.controller.abort(new I2vError("interrupted", reasonText("interrupted")));
      await model?.release();
      port.close();
      return;
  }
}

async function runJob(id: string, job: Extract<ToWorker, { type: "generate" }>): Promise<void> {
  const current = model;
  if (!current) {
    send({ type: "failed", id, error: toJSON(new I2vError("model_not_ready", "The model is not loaded.")) });
    return;
  }
  const controller = new AbortController();
  running.set(id, { controller, model: current });
  const mp4 = new Mp4Writer(job.outPath, undefined, { signal: controller.signal });
  try {
    const result = await generate(
      current.sessions,
      current.tokenizer,
      job.params,
      job.image,
      job.extras?.framesDir ? new FramesDirSink(job.extras.framesDir, mp4) : mp4,
      {
        signal: controller.signal,
        onProgress: (progress) => send({ type: "progress", id, progress }),
        ...(job.imageLimits ? { imageLimits: job.imageLimits } : {}),
        ...(job.extras?.initLatents ? { initLatents: job.extras.initLatents } : {}),
      },
    );
    send({ type: "done", id, result });
  } catch (error) {
    send({ type: "failed", id, error: toJSON(error) });
  } finally {
    running.delete(id);
    if (retired.has(current)) await releaseIfIdle(current);
  }
}

/** Releases a replaced model once no running job uses it. */
async function releaseIfIdle(old: LoadedModel): Promise<void> {
  for (const job of running.values()) if (job.model === old) return;
  retired.delete(old);
  await old.release();
}

function reasonText(reason: "canceled" | "deadline_exceeded" | "interrupted"): string {
  return {
    canceled: "The job was canceled.",
    deadline_exceeded: "The job ran past its deadline.",
    interrupted: "The service stopped while the job ran.",
  }[reason];
}

function toJSON(error: unknown): ErrorJSON {
  if (error instanceof I2vError) return error.toJSON();
  if (error instanceof Error && "problems" in error) {
    // A scheduler config problem is the model's manifest being wrong.
    return {
      code: "manifest_invalid",
      message: error.message,
      details: { problems: (error as { problems: string[] }).problems },
    };
  }
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}
