import type { Logger } from "pino";
import { resolveModelDir } from "../config/model-dir.ts";
import type { ServiceConfig } from "../config/service-config.ts";
import { InferenceEngine } from "../engine/engine.ts";
import { Admission } from "../jobs/admission.ts";
import { memoryProbeFor } from "../jobs/memory.ts";
import { loadManifest } from "../pipeline/manifest.ts";

/**
 * Loads the model once in the inference worker and builds its memory admission: what the single
 * box and the worker role both do before they take jobs (the API role loads no model).
 */
export async function loadModel(config: ServiceConfig, logger: Logger) {
  const modelDir = await resolveModelDir(config.model);
  const engine = await InferenceEngine.start(modelDir, config.runtime);
  engine.on("log", (m: { level: "info" | "warn"; message: string }) => logger[m.level](m.message));
  const loaded = await loadManifest(modelDir, engine.info?.variant as "fp32" | "fp16");
  const memoryModel = loaded.manifest.memory[loaded.variant] ?? { fixed_mb: 0, per_megapixel_frame_mb: 0 };
  const admission = new Admission(
    memoryModel,
    memoryProbeFor(engine.info?.provider ?? "cpu", config.simulatedFreeMemoryMb),
    config.memoryMargin,
  );
  return { engine, manifest: loaded.manifest, memoryModel, admission };
}
