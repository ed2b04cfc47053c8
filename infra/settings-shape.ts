import { z } from "zod";
import { isAlicloudGpuType } from "./alicloud/catalog.ts";
import { parsePlacement } from "./decisions/capacity.ts";
import { isGpuInstanceType as isAwsGpuType } from "./decisions/gpu-family.ts";
import { workersSchema } from "./workers-schema.ts";

/**
 * Every stack setting, declared once: each `i2v:*` key's reader, default and meaning. The type
 * (`StackSettings`, infra/settings.ts) and the key list are derived from {@link SETTINGS_SHAPE};
 * the cross-field rules live in infra/settings-rules.ts. Values come as text from `pulumi.Config`
 * (structured ones as JSON text) or typed from a parsed stack YAML; each field accepts both,
 * applies its default when unset or empty, and reports a problem in the field's own words.
 */

const got = (v: unknown) => JSON.stringify(v);

/** A GPU type of either cloud; infra/alicloud/settings-rules.ts checks it belongs to the stack's cloud. */
const isGpuInstanceType = (type: string) => isAwsGpuType(type) || isAlicloudGpuType(type);
const notGpu = (type: string) =>
  type.startsWith("ecs.")
    ? `${type} is not an Alibaba NVIDIA GPU type (ecs.gn6i-*, ecs.gn7i-*, ecs.gn7e-*)`
    : `${type} is not an NVIDIA GPU type (g4dn, g5, g6, g6e, p4d, p5, ...)`;

/** A field read by `read` (undefined: unreadable, reported with `message`), `fallback` when unset. */
function field<T>(
  read: (v: unknown) => T | undefined,
  message: (v: unknown) => string,
  fallback: T,
): z.ZodType<T>;
function field<T>(
  read: (v: unknown) => T | undefined,
  message: (v: unknown) => string,
): z.ZodType<T | undefined>;
function field<T>(read: (v: unknown) => T | undefined, message: (v: unknown) => string, fallback?: T) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null || v === "") return fallback;
      const value = read(v);
      if (value !== undefined) return value;
      ctx.addIssue({ code: "custom", message: message(v) });
      return z.NEVER;
    });
}

/** JSON text (what `pulumi.Config.get` returns for structured values) becomes the value it encodes. */
function structured(v: unknown): unknown {
  if (typeof v === "string" && /^\s*[[{]/.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

const readText = (v: unknown) =>
  typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : undefined;
const textMessage = (v: unknown) => `expected text, got ${got(v)}`;
const text = () => field(readText, textMessage);
const textOr = (fallback: string) => field(readText, textMessage, fallback);

function oneOf<const T extends readonly string[]>(allowed: T, fallback: T[number]): z.ZodType<T[number]> {
  return field<T[number]>(
    (v) => {
      const s = readText(v);
      return s !== undefined && (allowed as readonly string[]).includes(s) ? (s as T[number]) : undefined;
    },
    (v) => `"${readText(v) ?? got(v)}" is not one of ${allowed.join(", ")}`,
    fallback,
  );
}

const bool = (fallback: boolean) =>
  field(
    (v) => (typeof v === "boolean" ? v : v === "true" || v === "false" ? v === "true" : undefined),
    (v) => `expected true or false, got ${got(v)}`,
    fallback,
  );

const wholeNumber = (min: number, max: number, fallback: number) =>
  field(
    (v) => {
      const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : Number.NaN;
      return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
    },
    (v) => `expected a whole number from ${min} to ${max}, got ${got(v)}`,
    fallback,
  );

const list = field(
  (raw) => {
    const v = structured(raw);
    if (typeof v === "string")
      return v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.map((s) => s.trim());
    return undefined;
  },
  (v) => `expected a list of text, got ${got(structured(v))}`,
  [] as string[],
);

const stringMap = field(
  (raw) => {
    const v = structured(raw);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    const entries = Object.entries(v);
    return entries.every(([, x]) => typeof x === "string")
      ? (Object.fromEntries(entries) as Record<string, string>)
      : undefined;
  },
  (v) => `expected a map of text values, got ${got(structured(v))}`,
  {} as Record<string, string>,
);

const gpuType = (fallback: string) =>
  textOr(fallback).superRefine((type, ctx) => {
    if (!isGpuInstanceType(type))
      ctx.addIssue({
        code: "custom",
        message: notGpu(type),
      });
  });

const placement = text().transform((value, ctx) => {
  if (value === undefined) return undefined;
  const parsed = parsePlacement(value);
  if (!parsed)
    ctx.addIssue({ code: "custom", message: `"${value}" is not of the form g6.xlarge@us-east-1b` });
  else if (!isGpuInstanceType(parsed.instanceType))
    ctx.addIssue({ code: "custom", message: `${value} is not a GPU type` });
  return parsed;
});

const runtimeEnv = stringMap.superRefine((env, ctx) => {
  for (const key of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      ctx.addIssue({ code: "custom", message: `"${key}" is not a valid environment variable name` });
    if (key === "I2V_TOKEN")
      ctx.addIssue({
        code: "custom",
        message: "I2V_TOKEN is generated by the stack; do not put a token in config",
      });
  }
});

const weights = textOr("baked").superRefine((value, ctx) => {
  if (value !== "baked" && !/^[\w.-]+\/[\w.-]+(@[\w.-]+)?$/.test(value))
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is neither "baked" nor a model reference such as org/model@revision`,
    });
});

const workers = z.preprocess(
  (v) => (v === null || v === "" ? undefined : structured(v)),
  workersSchema.optional(),
);

/** The keys of the stack config, each with its reader and default. */
export const SETTINGS_SHAPE = {
  /** Region: `aws:region`, or `alicloud:region` when the cloud is alicloud. Required. */
  region: text(),
  /** `aws:region`: the provider's own region key. */
  "aws:region": text(),
  /** `alicloud:region`: the provider's own region key. */
  "alicloud:region": text(),
  /** Which cloud (`i2v:cloud`): the program and the scripts dispatch on it. @default "aws" */
  cloud: oneOf(["aws", "alicloud"] as const, "aws"),
  /** alicloud: a custom ECS image with the NVIDIA driver, Docker, the toolkit and the aliyun CLI. @default the public Ubuntu image, looked up and pinned */
  imageId: text(),
  /** alicloud: an ACR Enterprise Edition instance for the image. @default undefined (the OSS archive) */
  acrInstanceId: text(),
  /** Preferred instance type. @default "g6.xlarge" */
  instanceType: gpuType("g6.xlarge"),
  /** Types to try next when AWS has no capacity. @default [] */
  fallbackInstanceTypes: list.superRefine((types, ctx) => {
    for (const [index, type] of types.entries())
      if (!isGpuInstanceType(type))
        ctx.addIssue({
          code: "custom",
          path: [index],
          message: notGpu(type),
        });
  }),
  /** Zones to pin to after the unpinned try. @default [] */
  zones: list,
  /** The candidate to deploy now (`type@zone`); set by the deploy driver. @default the first candidate */
  placement,
  /** On-demand or spot. @default "on-demand" */
  market: oneOf(["on-demand", "spot"] as const, "on-demand"),
  /** CIDRs allowed to reach the API port. @default [] (SSM port forwarding only) */
  allowedCidrs: list,
  /** Allow 0.0.0.0/0. @default false */
  allowPublic: bool(false),
  /** Image to run; when unset, the stack's ECR repository at `imageTag`. @default undefined */
  imageUri: text(),
  /** Tag in the stack's repository. @default "latest" */
  imageTag: textOr("latest"),
  /** "baked" (weights inside the image) or a model reference to fetch on the box. @default "baked" */
  weights,
  /** Mirror name passed to `fetch-model --mirror`. @default undefined */
  mirror: text(),
  /** Model storage: "auto" (instance store when the type has it) or "ebs". @default "auto" */
  modelStorage: oneOf(["auto", "ebs"] as const, "auto"),
  /** gp3 size in GiB when EBS holds the weights. @default 200 */
  modelVolumeGiB: wholeNumber(20, 16384, 200),
  /** gp3 throughput in MiB/s. @default 500 */
  modelVolumeThroughputMiBps: wholeNumber(125, 1000, 500),
  /** gp3 IOPS. @default 6000 */
  modelVolumeIops: wholeNumber(3000, 16000, 6000),
  /** Snapshot with the weights already on it. @default undefined */
  modelSnapshotId: text(),
  /** Provisioned initialization rate (MiB/s, 100-300) for the snapshot restore. @default 300 */
  snapshotInitRateMiBps: wholeNumber(100, 300, 300),
  /** Root volume size in GiB (holds Docker's images). @default 150 */
  rootVolumeGiB: wholeNumber(75, 16384, 150),
  /** Generate a bearer token and require it. @default true */
  requireToken: bool(true),
  /** How long the boot waits for /readyz before reporting failure. @default 20 */
  readyTimeoutMinutes: wholeNumber(1, 120, 20),
  /** Extra non-secret environment for the runtime container. @default {} */
  runtimeEnv,
  /** A fixed subnet (pins the zone and VPC). @default default VPC */
  subnetId: text(),
  /** A fixed AMI id instead of the DLAMI lookup. @default undefined */
  amiId: text(),
  /** Delete the ECR repository even when it holds images, on `pulumi destroy`. @default false */
  forceDeleteRepository: bool(false),
  /** Extra tags on every resource. @default {} */
  tags: stringMap,
  /** Scale-out: an API box plus an Auto Scaling group of GPU workers. @default undefined (one box) */
  workers,
  /** CloudWatch namespace the API role publishes the backlog metrics to. @default "i2v" */
  metricsNamespace: textOr("i2v"),
  /** Days until job inputs and results expire from the scale-out bucket. @default 7 */
  resultsExpireDays: wholeNumber(1, 3650, 7),
  /** ElastiCache node type of the Valkey queue (scale-out). @default "cache.t4g.small" */
  queueNodeType: textOr("cache.t4g.small"),
  /** Instance type of the API box (scale-out; no GPU needed). @default "t3.small" */
  apiInstanceType: textOr("t3.small"),
  /** A DNS name of yours: ACM certificate and a load balancer in front of the box. @default undefined */
  /** A DNS name of yours: ACM certificate and a load balancer in front of the box. @default undefined */
  domain: text().superRefine((domain, ctx) => {
    if (
      domain !== undefined &&
      !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domain)
    )
      ctx.addIssue({
        code: "custom",
        message: `"${domain}" is not a DNS name such as video.example.com`,
      });
  }),
  /** The Route 53 hosted zone holding `domain`. @default undefined */
  hostedZoneId: text(),
};
