import { z } from "zod";

/** A whole number from text too: `pulumi config set --path i2v:workers.max 4` stores "4". */
const count = (min: number, max: number) => {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/**
 * `i2v:workers`: scale-out on AWS. Without it the stack is the single box. With it: an API box,
 * an Auto Scaling group of GPU workers (scaling on the API's backlog metric), a Valkey queue and
 * an S3 bucket. docs/infra.md "Scale-out" explains every field.
 */
export const workersSchema = z
  .strictObject({
    /** Workers kept running with an empty queue; 0 lets the group scale to zero. */
    min: count(0, 1000),
    /** Upper bound of the group (and of the GPU bill). */
    max: count(1, 1000),
    /** Target of the target-tracking policy: (waiting + active) jobs per worker in service. */
    targetBacklogPerWorker: z.coerce
      .number({ error: "expected a number of jobs per worker above 0" })
      .positive({ error: "expected a number of jobs per worker above 0" })
      .max(1000, { error: "at most 1000 jobs per worker" }),
    /** Use spot capacity above `onDemandBase`. @default false */
    spot: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]).default(false),
    /** On-demand workers before spot is used (only with spot). @default 0 */
    onDemandBase: count(0, 1000).default(0),
    /** Stopped, prepared workers kept in a warm pool (image already pulled). @default 0 (none) */
    warmPool: count(0, 1000).default(0),
    /** Seconds a worker may take to finish its job after scale-in or SIGTERM. @default 600 */
    drainTimeoutSeconds: count(30, 7000).default(600),
  })
  .refine((w) => w.min <= w.max, { message: "min must not exceed max", path: ["min"] })
  .refine((w) => w.onDemandBase <= w.max, {
    message: "onDemandBase must not exceed max",
    path: ["onDemandBase"],
  })
  .refine((w) => w.warmPool <= w.max, { message: "warmPool must not exceed max", path: ["warmPool"] });

/** The parsed `i2v:workers` object. */
export type WorkersSettings = z.infer<typeof workersSchema>;
