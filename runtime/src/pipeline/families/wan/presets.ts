import type { Preset, PresetName } from "../../presets.ts";

/**
 * Wan's presets under the API's preset names: `quick` (480p, 33 frames, 20 steps), `standard` =
 * 480p (832 x 480 at a landscape input, 81 frames, 16 fps, 40 steps, guidance 5, as Wan's and
 * diffusers' examples), `high` = 720p (1280 x 720, 81 frames), `max` = 720p with 50 steps.
 * `resolution` is the short side of the frame whose area the size keeps (sizes.ts, areaSize).
 *
 * min_gpu_gib: Wan's own published peak memory (Wan-Video/Wan2.2 README, "Computational
 * Efficiency" table, single GPU, 2025), THEIR figures with their offloading options, not ours:
 * A14B I2V at 480p 41.0 GB on an H100, at 720p 59.7 GB on an H100 (TI2V-5B at 720p: 22.8 GB on an
 * RTX 4090, a model the exporter does not take yet). Rounded up to the GPU sizes sold (48, 80 GB).
 */
export const WAN_PRESETS: Record<PresetName, Preset> = {
  quick: {
    name: "quick",
    label: "Quick (480p, 33 frames, 20 steps)",
    resolution: 480,
    num_frames: 33,
    num_inference_steps: 20,
    target_fps: 16,
    guidance_scale: 5,
    min_gpu_gib: 48,
  },
  standard: {
    name: "standard",
    label: "480p (832x480, 81 frames, 40 steps)",
    resolution: 480,
    num_frames: 81,
    num_inference_steps: 40,
    target_fps: 16,
    guidance_scale: 5,
    min_gpu_gib: 48,
  },
  high: {
    name: "high",
    label: "720p (1280x720, 81 frames, 40 steps)",
    resolution: 720,
    num_frames: 81,
    num_inference_steps: 40,
    target_fps: 16,
    guidance_scale: 5,
    min_gpu_gib: 80,
  },
  max: {
    name: "max",
    label: "720p, 50 steps",
    resolution: 720,
    num_frames: 81,
    num_inference_steps: 50,
    target_fps: 16,
    guidance_scale: 5,
    min_gpu_gib: 80,
  },
};

/** Wan's published peak memory per model and size (their measurements, labelled as such). */
export const WAN_PUBLISHED_PEAKS = [
  { model: "Wan2.2-I2V-A14B", size: "480p", gpu: "H100", peak_gb: 41.0, source: "Wan-Video/Wan2.2 README" },
  { model: "Wan2.2-I2V-A14B", size: "720p", gpu: "H100", peak_gb: 59.7, source: "Wan-Video/Wan2.2 README" },
  {
    model: "Wan2.2-TI2V-5B",
    size: "720p",
    gpu: "RTX 4090",
    peak_gb: 22.8,
    source: "Wan-Video/Wan2.2 README",
  },
] as const;
