import { z } from "zod";
import { component, memoryModel, tokenizerSchema } from "../../manifest-parts.ts";

/**
 * The manifest of an exported Wan image-to-video model (family "wan"), written by
 * images/export/wan_manifest.py. Wan 2.1 I2V has a CLIP image encoder and one transformer; Wan 2.2
 * A14B has no image encoder and two transformers (experts) split at `experts.boundary_ratio`.
 */
export const WAN_COMPONENT_ROLES = {
  text_encoder: { inputs: ["input_ids", "attention_mask"], outputs: ["hidden_states"] },
  image_encoder: { inputs: ["pixel_values"], outputs: ["image_embeds"] },
  vae_encoder: { inputs: ["sample"], outputs: ["latent"] },
  transformer: {
    inputs: ["hidden_states", "timestep", "encoder_hidden_states", "encoder_hidden_states_image"],
    outputs: ["model_output"],
  },
  transformer_2: {
    inputs: ["hidden_states", "timestep", "encoder_hidden_states", "encoder_hidden_states_image"],
    outputs: ["model_output"],
  },
  vae_decoder: { inputs: ["latent"], outputs: ["sample"] },
} as const;

export type WanComponentName = keyof typeof WAN_COMPONENT_ROLES;

const roles = <N extends WanComponentName>(name: N) =>
  component(WAN_COMPONENT_ROLES[name].inputs, WAN_COMPONENT_ROLES[name].outputs);

export const wanManifestSchema = z
  .object({
    format: z.literal("i2v-manifest/1"),
    family: z.literal("wan"),
    name: z.string().min(1),
    description: z.string().default(""),
    components: z.object({
      text_encoder: roles("text_encoder"),
      image_encoder: roles("image_encoder").optional(),
      vae_encoder: roles("vae_encoder"),
      transformer: roles("transformer").optional(),
      transformer_2: roles("transformer_2").optional(),
      vae_decoder: roles("vae_decoder"),
    }),
    tokenizer: tokenizerSchema,
    latent: z.object({
      channels: z.number().int().positive(),
      vae_scale_factor: z.number().int().positive(),
      temporal_scale_factor: z.number().int().positive(),
      patch_size: z.tuple([
        z.number().int().positive(),
        z.number().int().positive(),
        z.number().int().positive(),
      ]),
      /** Height and width must be multiples of this (VAE factor times the transformer's patch). */
      size_multiple: z.number().int().positive(),
      latents_mean: z.array(z.number()),
      latents_std: z.array(z.number().positive()),
    }),
    /** The CLIP image processor's settings (Wan 2.1); null when the model has no image encoder. */
    image_encoder: z
      .object({
        size: z.number().int().positive(),
        shortest_edge: z.number().int().positive(),
        resample: z.enum(["bicubic", "bilinear"]),
        center_crop: z.boolean(),
        mean: z.tuple([z.number(), z.number(), z.number()]),
        std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
      })
      .nullable(),
    /** Wan 2.2: `transformer` for t >= boundary_ratio * num_train_timesteps, `transformer_2` below. */
    experts: z.object({
      boundary_ratio: z.number().min(0).max(1).nullable(),
      num_train_timesteps: z.number().int().positive(),
    }),
    scheduler: z.object({
      default: z.enum(["unipc", "flow-match-euler"]),
      config: z.record(z.string(), z.unknown()),
    }),
    defaults: z.object({ negative_prompt: z.string().default("") }).default({ negative_prompt: "" }),
    memory: z.partialRecord(z.enum(["fp32", "fp16"]), memoryModel),
  })
  .superRefine((m, ctx) => {
    const problem = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (
      m.latent.latents_mean.length !== m.latent.channels ||
      m.latent.latents_std.length !== m.latent.channels
    )
      problem(["latent"], `latents_mean and latents_std need ${m.latent.channels} values (latent.channels)`);
    if (!m.components.transformer && !m.components.transformer_2)
      problem(["components"], "needs transformer, transformer_2 or both");
    if (m.experts.boundary_ratio !== null && !(m.components.transformer && m.components.transformer_2))
      problem(["experts", "boundary_ratio"], "is set, so both transformer and transformer_2 are needed");
    if ((m.image_encoder === null) !== (m.components.image_encoder === undefined))
      problem(["image_encoder"], "settings and components.image_encoder must be both present or both absent");
  });

export type WanManifest = z.infer<typeof wanManifestSchema>;
