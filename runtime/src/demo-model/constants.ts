/** Shapes of the demo model, chosen to mirror I2VGen-XL's interfaces at a CPU-friendly size. */
export const DEMO = {
  /** Pixel-unshuffle factor of the demo VAE: lossless, so frame 0 reproduces the input. */
  vaeScaleFactor: 4,
  imageChannels: 3,
  /** Camera channels appended to the latent: pan x, pan y, zoom (constant planes). */
  motionChannels: 3,
  textDim: 32,
  imageEmbedDim: 16,
  maxLength: 77,
  scalingFactor: 0.5,
  /** Per-branch saturation of the motion a prompt can ask for (pan x, pan y, zoom). */
  motionLimit: [0.05, 0.05, 0.06],
  /** Clamp on the guided motion the decoder renders (pan x, pan y, zoom). */
  renderLimit: { pan: 0.6, zoomIn: 0.9, zoomOut: -0.7 },
  /** Weight of the UNet's learned-looking residual: small enough to keep frames clean. */
  residualScale: 1e-3,
} as const;

export const IMAGE_LATENT_CHANNELS = DEMO.imageChannels * DEMO.vaeScaleFactor ** 2;
export const LATENT_CHANNELS = IMAGE_LATENT_CHANNELS + DEMO.motionChannels;

/** Compute knob: the UNet's residual conv stack. Benchmarks raise it to reach realistic step times. */
export interface DemoSize {
  /** Channels of the conv stack. */
  width: number;
  /** Number of 3x3 conv layers. */
  depth: number;
}

export const DEFAULT_DEMO_SIZE: DemoSize = { width: 8, depth: 1 };

/**
 * The demo's scheduler config, in diffusers' scheduler_config.json form. v-prediction like recent
 * video models; the UNet embeds the same alphas table so its predictions are exact.
 */
export const DEMO_SCHEDULER_CONFIG = {
  _class_name: "DDIMScheduler",
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  prediction_type: "v_prediction",
  timestep_spacing: "leading",
  steps_offset: 1,
  set_alpha_to_one: true,
  clip_sample: false,
  rescale_betas_zero_snr: false,
} as const;
