import type { GenerateResult, Progress } from "../pipeline/generate.ts";
import type { ImageLimits } from "../pipeline/image-input.ts";
import type { ModelInfo } from "../pipeline/model.ts";
import type { GenerateParams } from "../pipeline/params.ts";
import type { RuntimeOptionsInput } from "../pipeline/runtime-options.ts";

export interface GenerateExtras {
  initLatents?: Float32Array;
  framesDir?: string;
}

/** Messages between the main thread and the inference worker (structured-clone safe). */
export type ToWorker =
  | { type: "load"; modelDir: string; runtime: RuntimeOptionsInput }
  | {
      type: "generate";
      id: string;
      params: GenerateParams;
      image: Uint8Array;
      outPath: string;
      imageLimits?: ImageLimits;
      /** Comparison runs (npm run generate): given initial noise, PNG frames beside the MP4. */
      extras?: GenerateExtras;
    }
  | { type: "cancel"; id: string; reason: "canceled" | "deadline_exceeded" | "interrupted" }
  | { type: "reload"; modelDir: string }
  | { type: "close" };

export interface ErrorJSON {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export type FromWorker =
  | { type: "ready"; info: ModelInfo }
  | { type: "load_failed"; error: ErrorJSON }
  | { type: "progress"; id: string; progress: Progress }
  | { type: "done"; id: string; result: GenerateResult }
  | { type: "failed"; id: string; error: ErrorJSON }
  | { type: "reloaded"; info: ModelInfo }
  | { type: "reload_failed"; error: ErrorJSON }
  | { type: "log"; level: "info" | "warn"; message: string };
