import { WAN_PRESETS } from "./families/wan/presets.ts";
import { areaSize, wanSize } from "./families/wan/sizes.ts";
import { outputSize } from "./image-input.ts";
import type { Manifest } from "./manifest.ts";
import type { GenerateParams, ModelDefaults } from "./params.ts";
import { PRESETS, type Preset, type PresetName } from "./presets.ts";

/** What the service needs to know per model family before a job runs (defaults, presets, size). */

/**
 * The model a request is resolved against: a whole manifest (the single box, a worker, or the API
 * once a worker has published one), or the API role's provisional I2VGen-XL-shaped defaults before
 * any worker has (the worker that takes the job then applies its own model's).
 */
export type RequestModel = Manifest | ProvisionalModel;

/** The API role's stand-in before any worker published its model: generic defaults, no family. */
export interface ProvisionalModel {
  family?: "i2vgen-xl";
  defaults: Pick<Manifest["defaults"], "negative_prompt">;
  scheduler: Pick<Manifest["scheduler"], "default">;
  latent: Pick<Manifest["latent"], "size_multiple">;
}

export function modelDefaults(manifest: RequestModel): ModelDefaults {
  return { negative_prompt: manifest.defaults.negative_prompt, scheduler: manifest.scheduler.default };
}

/** The presets a request's `preset` names for this model's family. */
export function presetsFor(manifest: RequestModel): Record<PresetName, Preset> {
  return manifest.family === "wan" ? WAN_PRESETS : PRESETS;
}

/**
 * The output size a job will have, decided at submission (admission, the job record). Wan: the
 * request's width x height or the preset area at the input's aspect, checked (400 when it cannot
 * take it); I2VGen-XL: the short side `resolution` at the input's aspect.
 */
export function outputSizeFor(
  manifest: RequestModel,
  source: { width: number; height: number },
  params: GenerateParams,
): { width: number; height: number } {
  if (manifest.family !== "wan") return outputSize(source, params.resolution, manifest.latent.size_multiple);
  const size =
    params.width !== undefined && params.height !== undefined
      ? { width: params.width, height: params.height }
      : areaSize(source, params.resolution, manifest.latent.size_multiple);
  const checked = wanSize(manifest, { ...size, frames: params.num_frames });
  return { width: checked.width, height: checked.height };
}

/** The size a preset makes from a square input (what /v1/presets checks against free memory). */
export function presetSquareSize(manifest: RequestModel, preset: Preset): { width: number; height: number } {
  return manifest.family === "wan"
    ? areaSize({ width: 1, height: 1 }, preset.resolution, manifest.latent.size_multiple)
    : { width: preset.resolution, height: preset.resolution };
}
