import { z } from "zod";

/** Schema pieces every family's manifest is made of. */

export const fileByVariant = z.partialRecord(z.enum(["fp32", "fp16"]), z.string().min(1));

/** One ONNX component: a file per variant and the role -> graph name maps. */
export const component = <R extends string, O extends string>(inputs: readonly R[], outputs: readonly O[]) =>
  z.object({
    /** ONNX file per precision variant, relative to the model folder. */
    files: fileByVariant.refine((f) => Object.keys(f).length > 0, "at least one variant file is required"),
    /** Role -> input name in the ONNX graph (defaults to the role name). */
    inputs: z.partialRecord(z.enum(inputs as unknown as [R, ...R[]]), z.string()).default({}),
    outputs: z.partialRecord(z.enum(outputs as unknown as [O, ...O[]]), z.string()).default({}),
  });

export const memoryModel = z.object({
  /** Memory that does not grow with the clip: weights, workspace (MiB). */
  fixed_mb: z.number().nonnegative(),
  /** Extra memory per megapixel-frame of output (MiB); activations grow linearly when attention is fused. */
  per_megapixel_frame_mb: z.number().nonnegative(),
});

export const tokenizerSchema = z.object({
  file: z.string().min(1),
  max_length: z.number().int().positive(),
  pad_id: z.number().int().nonnegative(),
  /** Added before / after the prompt's ids when the tokenizer.json has no post-processor of its own. */
  bos_id: z.number().int().nonnegative().nullable().default(null),
  eos_id: z.number().int().nonnegative().nullable().default(null),
});
