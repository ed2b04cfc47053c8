/**
 * Presets from the article this project started from: each trades quality for time and memory.
 * `resolution` is the short side of the output in pixels; the long side follows the input's aspect.
 */
export interface Preset {
  name: PresetName;
  label: string;
  resolution: number;
  num_frames: number;
  num_inference_steps: number;
  target_fps: number;
  guidance_scale: number;
  /** The smallest GPU memory tier (GiB) this preset is recommended for, with an I2VGen-XL class model in fp16. */
  min_gpu_gib: number;
}

export const PRESET_NAMES = ["quick", "standard", "high", "max"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Record<PresetName, Preset> = {
  quick: {
    name: "quick",
    label: "Quick preview",
    resolution: 256,
    num_frames: 8,
    num_inference_steps: 30,
    target_fps: 8,
    guidance_scale: 7.5,
    min_gpu_gib: 12,
  },
  standard: {
    name: "standard",
    label: "Standard",
    resolution: 512,
    num_frames: 16,
    num_inference_steps: 40,
    target_fps: 8,
    guidance_scale: 9,
    min_gpu_gib: 24,
  },
  high: {
    name: "high",
    label: "High",
    resolution: 768,
    num_frames: 24,
    num_inference_steps: 60,
    target_fps: 12,
    guidance_scale: 9,
    min_gpu_gib: 48,
  },
  max: {
    name: "max",
    label: "Max",
    resolution: 1024,
    num_frames: 32,
    num_inference_steps: 80,
    target_fps: 24,
    guidance_scale: 11,
    min_gpu_gib: 80,
  },
};

/**
 * Hardware tiers and the presets recommended on each (GPU memory in GiB): arithmetic from an
 * I2VGen-XL class model's fp16 sizes (docs/performance.md, "Hardware tiers"), not yet measured on a
 * GPU. `max` fits an 80 GB card only with guidance as two batch-1 calls; admission refuses what
 * does not fit, so a wrong tier costs a refused job, never a crash.
 */
export const HARDWARE_TIERS = [
  { gib: 12, presets: presetsFor(12) },
  { gib: 24, presets: presetsFor(24) },
  { gib: 48, presets: presetsFor(48) },
  { gib: 80, presets: presetsFor(80) },
] as const;

function presetsFor(gib: number): PresetName[] {
  return PRESET_NAMES.filter((name) => PRESETS[name].min_gpu_gib <= gib);
}
