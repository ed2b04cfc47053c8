/**
 * Scheduler configs: diffusers' `scheduler_config.json` fields, snake_case as diffusers writes
 * them, with each class's defaults. Keys this port does not read (`_class_name`,
 * `_diffusers_version`, another class's options) are dropped, as diffusers' `from_config` drops
 * them. Options that would change the numbers and are not implemented are rejected rather than
 * silently ignored.
 */
import { z } from "zod";
import type { AnySchedulerKind } from "./kind.ts";

/** Builds a boolean option that only `false` may take, with a message for `true`. */
function onlyFalse(why: string) {
  return z
    .boolean()
    .refine((v) => v === false, { message: why })
    .default(false);
}

const finitePositive = z.number().finite().positive();

/** Fields DDIMScheduler and DPMSolverMultistepScheduler share (defaults are equal in both). */
const common = {
  num_train_timesteps: z.number().int().positive().default(1000),
  beta_start: finitePositive.default(0.0001),
  beta_end: finitePositive.default(0.02),
  beta_schedule: z.enum(["linear", "scaled_linear", "squaredcos_cap_v2"]).default("linear"),
  trained_betas: z.array(z.number().min(0).max(1)).nullable().default(null),
  prediction_type: z.enum(["epsilon", "v_prediction", "sample"]).default("epsilon"),
  steps_offset: z.number().int().min(0).default(0),
  rescale_betas_zero_snr: z.boolean().default(false),
  thresholding: onlyFalse(
    "dynamic thresholding is not supported (it is meant for pixel-space models); set it to false",
  ),
  dynamic_thresholding_ratio: z.number().default(0.995),
  sample_max_value: z.number().default(1.0),
};

/** Every trained beta list must cover the training timesteps exactly. */
function betasMatchTimesteps(
  cfg: { trained_betas: number[] | null; num_train_timesteps: number },
  ctx: z.RefinementCtx,
): void {
  if (cfg.trained_betas !== null && cfg.trained_betas.length !== cfg.num_train_timesteps) {
    ctx.addIssue({
      code: "custom",
      path: ["trained_betas"],
      message: `has ${cfg.trained_betas.length} values but num_train_timesteps is ${cfg.num_train_timesteps}`,
    });
  }
}

/** DDIMScheduler's config. */
export const ddimConfigSchema = z
  .object({
    ...common,
    clip_sample: z.boolean().default(true),
    clip_sample_range: finitePositive.default(1.0),
    set_alpha_to_one: z.boolean().default(true),
    timestep_spacing: z.enum(["leading", "trailing", "linspace"]).default("leading"),
  })
  .superRefine(betasMatchTimesteps);

/** DPMSolverMultistepScheduler's config, limited to the DPM-Solver++ (1S/2M) ODE solver. */
export const dpmSolverConfigSchema = z
  .object({
    ...common,
    solver_order: z
      .number()
      .int()
      .min(1)
      .refine((v) => v <= 2, { message: "only orders 1 and 2 are implemented (DPM-Solver++ 2M); use 2" })
      .default(2),
    // diffusers maps the retired "deis" name to dpmsolver++ when loading configs.
    algorithm_type: z
      .string()
      .refine((v) => v === "dpmsolver++" || v === "deis", {
        message: 'only "dpmsolver++" is implemented; the SDE and noise-prediction variants are not',
      })
      .transform((): "dpmsolver++" => "dpmsolver++")
      .default("dpmsolver++"),
    // diffusers maps UniPC's solver types (logrho, bh1, bh2) to midpoint when loading configs.
    solver_type: z
      .enum(["midpoint", "heun", "logrho", "bh1", "bh2"])
      .transform((v): "midpoint" | "heun" => (v === "heun" ? "heun" : "midpoint"))
      .default("midpoint"),
    lower_order_final: z.boolean().default(true),
    euler_at_final: z.boolean().default(false),
    use_karras_sigmas: onlyFalse("Karras sigmas are not implemented; set it to false"),
    use_exponential_sigmas: onlyFalse("exponential sigmas are not implemented; set it to false"),
    use_beta_sigmas: onlyFalse("beta sigmas are not implemented; set it to false"),
    use_lu_lambdas: onlyFalse("Lu lambdas are not implemented; set it to false"),
    use_flow_sigmas: onlyFalse("flow sigmas are not implemented; set it to false"),
    use_dynamic_shifting: onlyFalse("dynamic shifting is not implemented; set it to false"),
    flow_shift: z.number().default(1.0),
    final_sigmas_type: z.enum(["zero", "sigma_min"]).default("zero"),
    // diffusers' default is -inf, which JSON cannot hold: accept it however a writer spelled it.
    lambda_min_clipped: z
      .union([
        z.number(),
        z.custom<number>((v) => v === Number.NEGATIVE_INFINITY, { message: "expected a number" }),
        z.null(),
        z.enum(["-inf", "-Infinity"]),
      ])
      .transform((v): number => (typeof v === "number" ? v : Number.NEGATIVE_INFINITY))
      .default(Number.NEGATIVE_INFINITY),
    variance_type: z
      .string()
      .nullable()
      .refine((v) => v === null, { message: "learned variance outputs are not supported; use null" })
      .default(null),
    timestep_spacing: z.enum(["leading", "trailing", "linspace"]).default("linspace"),
  })
  .superRefine(betasMatchTimesteps);

/** Options both flow-matching schedulers would read and this port rejects (they change the numbers). */
const flowRejected = {
  use_karras_sigmas: onlyFalse("Karras sigmas are not implemented; set it to false"),
  use_exponential_sigmas: onlyFalse("exponential sigmas are not implemented; set it to false"),
  use_beta_sigmas: onlyFalse("beta sigmas are not implemented; set it to false"),
  use_dynamic_shifting: onlyFalse(
    "dynamic shifting (a mu per resolution) is not implemented; set it to false and use a fixed shift",
  ),
  // diffusers treats 0 and null alike (no stretch).
  shift_terminal: z
    .number()
    .min(0)
    .lt(1)
    .nullable()
    .transform((v) => (v ? v : null))
    .default(null),
};

/**
 * UniPCMultistepScheduler's config, as Wan publishes it: flow sigmas (`use_flow_sigmas`, shifted
 * by `flow_shift`) and `flow_prediction`, predicting x0, orders 1 and 2, bh1 or bh2.
 */
export const unipcConfigSchema = z
  .object({
    num_train_timesteps: z.number().int().positive().default(1000),
    solver_order: z
      .number()
      .int()
      .min(1)
      .refine((v) => v <= 2, { message: "only orders 1 and 2 are implemented (Wan's configs use 2); use 2" })
      .default(2),
    prediction_type: z
      .string()
      .refine((v) => v === "flow_prediction", {
        message:
          'only "flow_prediction" is implemented (with use_flow_sigmas); use dpmpp-2m or ddim otherwise',
      })
      .transform((): "flow_prediction" => "flow_prediction")
      .default("flow_prediction"),
    use_flow_sigmas: z
      .boolean()
      .refine((v) => v === true, {
        message: "only flow sigmas are implemented (Wan's config); set use_flow_sigmas to true",
      })
      .default(true),
    flow_shift: finitePositive.default(1.0),
    predict_x0: z
      .boolean()
      .refine((v) => v === true, { message: "flow_prediction needs predict_x0 true, as in diffusers" })
      .default(true),
    // diffusers maps DPM-Solver's names to bh2 when loading another class's config.
    solver_type: z
      .enum(["bh1", "bh2", "midpoint", "heun", "logrho"])
      .transform((v): "bh1" | "bh2" => (v === "bh1" ? "bh1" : "bh2"))
      .default("bh2"),
    lower_order_final: z.boolean().default(true),
    disable_corrector: z.array(z.number().int().min(0)).default([]),
    solver_p: z
      .unknown()
      .refine((v) => v === null || v === undefined, {
        message: "a solver_p scheduler is not supported; use null",
      })
      .default(null),
    final_sigmas_type: z.enum(["zero", "sigma_min"]).default("zero"),
    thresholding: onlyFalse("dynamic thresholding is not supported; set it to false"),
    ...flowRejected,
  })
  .superRefine((cfg, ctx) => {
    // B(h) = h is infinite at a final sigma of 0, and diffusers' last step returns NaN (measured).
    if (cfg.solver_type === "bh1" && cfg.final_sigmas_type === "zero")
      ctx.addIssue({
        code: "custom",
        path: ["solver_type"],
        message:
          'bh1 with final_sigmas_type "zero" makes the last step NaN in diffusers; use bh2 or final_sigmas_type "sigma_min"',
      });
  });

/** FlowMatchEulerDiscreteScheduler's config (the step-distilled Wan variants): a fixed `shift`. */
export const flowMatchEulerConfigSchema = z.object({
  num_train_timesteps: z.number().int().positive().default(1000),
  shift: finitePositive.default(1.0),
  invert_sigmas: onlyFalse("inverted sigmas are not implemented; set it to false"),
  stochastic_sampling: onlyFalse("stochastic sampling is not implemented; set it to false"),
  ...flowRejected,
});

/** A validated DDIM config with every default filled in. */
export type DdimConfig = z.output<typeof ddimConfigSchema>;
/** A validated DPM-Solver++ config with every default filled in. */
export type DpmSolverConfig = z.output<typeof dpmSolverConfigSchema>;
/** A validated UniPC (flow) config with every default filled in. */
export type UniPcConfig = z.output<typeof unipcConfigSchema>;
/** A validated FlowMatchEuler config with every default filled in. */
export type FlowMatchEulerConfig = z.output<typeof flowMatchEulerConfigSchema>;
/** The validated config for a scheduler kind. */
export type SchedulerConfigFor<K extends AnySchedulerKind> = K extends "ddim"
  ? DdimConfig
  : K extends "dpmpp-2m"
    ? DpmSolverConfig
    : K extends "unipc"
      ? UniPcConfig
      : FlowMatchEulerConfig;

const SCHEMAS = {
  ddim: ddimConfigSchema,
  "dpmpp-2m": dpmSolverConfigSchema,
  unipc: unipcConfigSchema,
  "flow-match-euler": flowMatchEulerConfigSchema,
} as const satisfies Record<AnySchedulerKind, z.ZodType>;

/** Outcome of {@link parseSchedulerConfig}: the config, or every problem as `path: message`. */
export type ParseResult<K extends AnySchedulerKind> =
  | { ok: true; config: SchedulerConfigFor<K> }
  | { ok: false; problems: string[] };

/** Formats a zod issue path the way users write it: `trained_betas[3]`, `(root)` for the whole config. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Validates a diffusers scheduler config for `kind`, filling defaults; never throws on bad input. */
export function parseSchedulerConfig<K extends AnySchedulerKind>(kind: K, config: unknown): ParseResult<K> {
  const result = (SCHEMAS[kind] as z.ZodType).safeParse(config ?? {});
  if (result.success) return { ok: true, config: result.data as SchedulerConfigFor<K> };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  };
}

/** Thrown by `createScheduler` for a config or step count it cannot run. */
export class SchedulerConfigError extends Error {
  override readonly name = "SchedulerConfigError";
  /** Every problem found, as `path: message`. */
  readonly problems: string[];
  /** What the user can do about it. */
  readonly hint: string;

  constructor(kind: AnySchedulerKind, problems: string[], hint?: string) {
    super(`invalid ${kind} scheduler config: ${problems.join("; ")}`);
    this.problems = problems;
    this.hint =
      hint ??
      "Fix these fields in the model's scheduler_config.json (diffusers' snake_case names), or remove them to use diffusers' defaults.";
  }
}
