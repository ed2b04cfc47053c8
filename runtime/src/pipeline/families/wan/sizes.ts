import { I2vError } from "../../../errors.ts";
import type { WanManifest } from "./manifest.ts";

/**
 * Sizes Wan can take, checked before any work. diffusers raises for a height or width that is not a
 * multiple of 16 and silently rounds a frame count that is not 4k+1 down (with a logged warning);
 * we refuse both with the nearest valid values (a 400 in the API), so a request never gets a video
 * of another length than it asked for. docs/wan.md.
 */
export interface WanSize {
  width: number;
  height: number;
  frames: number;
  latentFrames: number;
  latentHeight: number;
  latentWidth: number;
}

export function wanSize(
  manifest: WanManifest,
  request: { width: number; height: number; frames: number },
): WanSize {
  const {
    size_multiple: multiple,
    temporal_scale_factor: temporal,
    vae_scale_factor: spatial,
  } = manifest.latent;
  const problems: string[] = [];
  const near = (v: number, m: number) => {
    const down = Math.max(m, Math.floor(v / m) * m);
    return down === v ? `${v}` : `${down} or ${down + m}`;
  };
  for (const [name, value] of [
    ["width", request.width],
    ["height", request.height],
  ] as const) {
    if (!Number.isInteger(value) || value < multiple || value % multiple !== 0)
      problems.push(`${name}: ${value} is not a multiple of ${multiple}; use ${near(value, multiple)}`);
  }
  const f = request.frames;
  if (!Number.isInteger(f) || f < 1 || (f - 1) % temporal !== 0) {
    const down = Math.max(1, Math.floor((f - 1) / temporal) * temporal + 1);
    problems.push(
      `num_frames: ${f} is not ${temporal}k+1 (the VAE packs ${temporal} frames per latent frame after the first); use ${down} or ${down + temporal}`,
    );
  }
  if (problems.length > 0) {
    throw new I2vError("invalid_parameters", `Invalid size for ${manifest.name}: ${problems.join("; ")}`, {
      problems,
    });
  }
  return {
    width: request.width,
    height: request.height,
    frames: f,
    latentFrames: (f - 1) / temporal + 1,
    latentHeight: request.height / spatial,
    latentWidth: request.width / spatial,
  };
}

/** Wan's trained frame sizes by short side (landscape): 480p is 832 x 480, not 16:9's 848. */
const WAN_LONG_SIDE: Record<number, number> = { 480: 832, 720: 1280 };

/**
 * Width and height for a request that gives only a preset resolution: the area of Wan's
 * `resolution`p frame (480p: 832 x 480) at the input's aspect ratio, as diffusers' Wan example
 * computes it: round(sqrt(area * aspect)) // multiple * multiple.
 */
export function areaSize(source: { width: number; height: number }, resolution: number, multiple: number) {
  const long = WAN_LONG_SIDE[resolution] ?? Math.round((resolution * 16) / 9 / multiple) * multiple;
  const area = resolution * long;
  const aspect = source.height / source.width;
  const fit = (v: number) => Math.max(multiple, Math.floor(Math.round(v) / multiple) * multiple);
  return { height: fit(Math.sqrt(area * aspect)), width: fit(Math.sqrt(area / aspect)) };
}
