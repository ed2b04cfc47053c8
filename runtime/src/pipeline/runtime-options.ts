import os from "node:os";
import { z } from "zod";

/**
 * How ONNX Runtime runs the model: one typed config, filled from environment variables by the
 * service and from flags by the CLI. Defaults are the tuned values of docs/performance.md.
 */
export const runtimeOptionsSchema = z.object({
  /** Execution provider. `cpu` everywhere; `cuda`/`tensorrt` need the provider libraries. */
  provider: z.enum(["cpu", "cuda", "tensorrt"]).default("cpu"),
  /** What to do when the provider is unavailable: fail (default) or run on the CPU with a warning. */
  fallback: z.enum(["none", "cpu"]).default("none"),
  /** Weights precision; default fp16 on GPU providers when the model has it, else fp32. */
  variant: z.enum(["fp32", "fp16"]).optional(),
  /**
   * ORT intra-op threads. Default: the cores this process may use, set explicitly; 0 leaves it to
   * ORT, which also pins its threads to cores and measured up to 1.5x slower on a shared host
   * (docs/performance.md).
   */
  intraOpThreads: z.number().int().min(0).default(os.availableParallelism()),
  graphOptimizationLevel: z.enum(["disabled", "basic", "extended", "all"]).default("all"),
  /** Folder for ORT's optimized models, so later starts skip graph optimization. Unset: no cache. */
  optimizedModelCacheDir: z.string().optional(),
  deviceId: z.number().int().min(0).default(0),
  cudnnConvAlgoSearch: z.enum(["EXHAUSTIVE", "HEURISTIC", "DEFAULT"]).default("HEURISTIC"),
  arenaExtendStrategy: z.enum(["kNextPowerOfTwo", "kSameAsRequested"]).default("kSameAsRequested"),
});

export type RuntimeOptions = z.output<typeof runtimeOptionsSchema>;
export type RuntimeOptionsInput = z.input<typeof runtimeOptionsSchema>;
