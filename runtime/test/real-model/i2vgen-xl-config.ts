/**
 * I2VGen-XL's published config files (ali-vilab/i2vgen-xl on the Hugging Face Hub), as test data:
 * the signature twin and the exporter's manifest writer are checked against these values. Written
 * from the model card's files as recalled; the Hub is not reachable here, so they were not
 * re-read. The scheduler config is now also the one the parity suite (parity/tiny_i2vgen.py) runs
 * diffusers' I2VGenXLPipeline with (huggingface/diffusers v0.31.0, Oct 2024). The export
 * itself copies the real files, so a difference here cannot reach a real manifest.
 */
export const I2VGENXL_SCHEDULER_CONFIG = {
  _class_name: "DDIMScheduler",
  _diffusers_version: "0.26.0.dev0",
  beta_end: 0.02,
  beta_schedule: "squaredcos_cap_v2",
  beta_start: 0.0001,
  clip_sample: false,
  clip_sample_range: 1.0,
  dynamic_thresholding_ratio: 0.995,
  num_train_timesteps: 1000,
  prediction_type: "v_prediction",
  rescale_betas_zero_snr: true,
  sample_max_value: 1.0,
  set_alpha_to_one: true,
  steps_offset: 1,
  thresholding: false,
  timestep_spacing: "leading",
  trained_betas: null,
} as const;

export const I2VGENXL_VAE_CONFIG = {
  _class_name: "AutoencoderKL",
  act_fn: "silu",
  block_out_channels: [128, 256, 512, 512],
  down_block_types: Array(4).fill("DownEncoderBlock2D"),
  up_block_types: Array(4).fill("UpDecoderBlock2D"),
  force_upcast: true,
  in_channels: 3,
  latent_channels: 4,
  layers_per_block: 2,
  norm_num_groups: 32,
  out_channels: 3,
  sample_size: 768,
  // Not Stable Diffusion's 0.18215.
  scaling_factor: 0.18125,
};

export const I2VGENXL_UNET_CONFIG = {
  _class_name: "I2VGenXLUNet",
  in_channels: 4,
  out_channels: 4,
  block_out_channels: [320, 640, 1280, 1280],
  down_block_types: ["CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D"],
  up_block_types: ["UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D"],
  cross_attention_dim: 1024,
  attention_head_dim: 64,
  num_attention_heads: 64,
  layers_per_block: 2,
  norm_num_groups: 32,
  sample_size: 32,
};

export const CLIP_PREPROCESSOR_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_normalize: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  size: { shortest_edge: 224 },
};

/** Shapes the runtime sees from the real model. */
export const I2VGENXL = {
  latentChannels: 4,
  vaeScaleFactor: 8,
  /** 8 x 2^3: four UNet down blocks, three downsamplings. */
  sizeMultiple: 64,
  textDim: 1024,
  imageEmbedDim: 1024,
  maxLength: 77,
  clipSize: 224,
  bos: 49406,
  eos: 49407,
} as const;
