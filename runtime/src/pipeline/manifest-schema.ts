import { z } from "zod";

/**
 * The model manifest: everything model-specific that the pipeline needs, so one pipeline serves
 * the demo model and an exported I2VGen-XL without code branches. `manifest.json` in a model folder.
 */

const fileByVariant = z.partialRecord(z.enum(["fp32", "fp16"]), z.string().min(1));

const component = <R extends string, O extends string>(inputs: readonly R[], outputs: readonly O[]) =>
  z.object({
    /** ONNX file per precision variant, relative to the model folder. */
    files: fileByVariant.refine((f) => Object.keys(f).length > 0, "at least one variant file is required"),
    /** Role -> input name in the ONNX graph (defaults to the role name). */
    inputs: z.partialRecord(z.enum(inputs as unknown as [R, ...R[]]), z.string()).default({}),
    outputs: z.partialRecord(z.enum(outputs as unknown as [O, ...O[]]), z.string()).default({}),
  });

export const COMPONENT_ROLES = {
  text_encoder: { inputs: ["input_ids"], outputs: ["hidden_states"] },
  image_encoder: { inputs: ["pixel_values"], outputs: ["image_embeds"] },
  vae_encoder: { inputs: ["sample"], outputs: ["latent"] },
  unet: {
    inputs: ["sample", "timestep", "encoder_hidden_states", "fps", "image_latents", "image_embeddings"],
    outputs: ["model_output"],
  },
  vae_decoder: { inputs: ["latent"], outputs: ["sample"] },
} as const;

export type ComponentName = keyof typeof COMPONENT_ROLES;

const memoryModel = z.object({
  /** Memory that does not grow with the clip: weights, workspace (MiB). */
  fixed_mb: z.number().nonnegative(),
  /** Extra memory per megapixel-frame of output (MiB); activations grow linearly when attention is fused. */
  per_megapixel_frame_mb: z.number().nonnegative(),
});

export const manifestSchema = z.object({
  format: z.literal("i2v-manifest/1"),
  name: z.string().min(1),
  description: z.string().default(""),
  components: z.object({
    text_encoder: component(COMPONENT_ROLES.text_encoder.inputs, COMPONENT_ROLES.text_encoder.outputs),
    image_encoder: component(COMPONENT_ROLES.image_encoder.inputs, COMPONENT_ROLES.image_encoder.outputs),
    vae_encoder: component(COMPONENT_ROLES.vae_encoder.inputs, COMPONENT_ROLES.vae_encoder.outputs),
    unet: component(COMPONENT_ROLES.unet.inputs, COMPONENT_ROLES.unet.outputs),
    vae_decoder: component(COMPONENT_ROLES.vae_decoder.inputs, COMPONENT_ROLES.vae_decoder.outputs),
  }),
  tokenizer: z.object({
    file: z.string().min(1),
    max_length: z.number().int().positive(),
    pad_id: z.number().int().nonnegative(),
    /** Added before / after the prompt's ids when the tokenizer.json has no post-processor of its own. */
    bos_id: z.number().int().nonnegative().nullable().default(null),
    eos_id: z.number().int().nonnegative().nullable().default(null),
  }),
  latent: z.object({
    channels: z.number().int().positive(),
    vae_scale_factor: z.number().int().positive(),
    scaling_factor: z.number().positive(),
    /** Width and height must be multiples of this (VAE factor times the UNet's downsampling). */
    size_multiple: z.number().int().positive(),
    /** How image_latents are laid out over frames. I2VGen-XL: frame 0 = image, then k/(F-1) planes. */
    frame_conditioning: z.enum(["first_frame_then_position_planes", "repeat"]),
  }),
  image_encoder: z.object({
    size: z.number().int().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  guidance: z
    .object({ negative_image_embedding: z.enum(["zeros"]).default("zeros") })
    .default({ negative_image_embedding: "zeros" }),
  scheduler: z.object({
    default: z.enum(["ddim", "dpmpp-2m"]),
    /** The diffusers scheduler_config.json, as exported. */
    config: z.record(z.string(), z.unknown()),
  }),
  defaults: z.object({ negative_prompt: z.string().default("") }).default({ negative_prompt: "" }),
  memory: z.partialRecord(z.enum(["fp32", "fp16"]), memoryModel),
  /** Components whose fp16 graph kept plain attention (exported with --allow-unfused). */
  fp16_unfused_attention: z.array(z.enum(Object.keys(COMPONENT_ROLES) as [ComponentName])).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Variant = "fp32" | "fp16";
