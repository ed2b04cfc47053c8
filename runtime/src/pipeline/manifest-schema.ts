import { z } from "zod";
import type { WanManifest } from "./families/wan/manifest.ts";
import { component, memoryModel, tokenizerSchema } from "./manifest-parts.ts";

/**
 * The model manifest: everything model-specific that the pipeline needs, so one pipeline serves
 * the demo model and an exported I2VGen-XL without code branches. `manifest.json` in a model folder.
 * Other families (Wan: families/wan/manifest.ts) say so in `family` and have their own schema.
 */

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

/** I2VGen-XL's components (the demo model has the same). */
export type ComponentName = keyof typeof COMPONENT_ROLES;

/** The I2VGen-XL family (and the demo model): a manifest without `family` is this one. */
export const manifestSchema = z.object({
  format: z.literal("i2v-manifest/1"),
  family: z.literal("i2vgen-xl").optional(),
  name: z.string().min(1),
  description: z.string().default(""),
  components: z.object({
    text_encoder: component(COMPONENT_ROLES.text_encoder.inputs, COMPONENT_ROLES.text_encoder.outputs),
    image_encoder: component(COMPONENT_ROLES.image_encoder.inputs, COMPONENT_ROLES.image_encoder.outputs),
    vae_encoder: component(COMPONENT_ROLES.vae_encoder.inputs, COMPONENT_ROLES.vae_encoder.outputs),
    unet: component(COMPONENT_ROLES.unet.inputs, COMPONENT_ROLES.unet.outputs),
    vae_decoder: component(COMPONENT_ROLES.vae_decoder.inputs, COMPONENT_ROLES.vae_decoder.outputs),
  }),
  tokenizer: tokenizerSchema,
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

export type I2vgenManifest = z.infer<typeof manifestSchema>;
/** Every family's manifest; `family` tells them apart (absent: I2VGen-XL). */
export type Manifest = I2vgenManifest | WanManifest;
export type Variant = "fp32" | "fp16";
