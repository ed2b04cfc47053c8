import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors.ts";

export const errorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** The body of every error answer: `{error: {code, message, hint, details?}}`. */
export const apiErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  hint: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const errorEnvelopeSchema = z
  .object({ error: apiErrorSchema })
  .meta({ id: "Error", description: "Every error answer: a stable code, what happened, what to do." });

export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
