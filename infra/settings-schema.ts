import { z } from "zod";
import { isAlicloudGpuType } from "./alicloud/catalog.ts";
import { cloudSettingProblems, withCloudDefaults } from "./alicloud/settings-rules.ts";
import { parsePlacement } from "./decisions/capacity.ts";
import { isGpuInstanceType as isAwsGpuType } from "./decisions/gpu-family.ts";
import { planIngress } from "./decisions/ingress.ts";
import { placeholderProblems, unknownTypeProblems } from "./rules/known-values.ts";
import { workersSchema } from "./workers-schema.ts";

/**
 * The `i2v:*` config as a zod schema. Values come as text from `pulumi.Config` (structured ones as
 * JSON text) or typed from a parsed stack YAML; each field accepts both, applies its default when
 * unset or empty, and reports a problem in the field's own words. Cross-field rules (the GPU check
 * of the placement, ingress against allowPublic) run even when other fields failed, so every
 * problem comes back at once.
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

function oneOf<const T extends readonly string[]>(allowed: T, fallback: T[number]) {
  return field(
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

/** The schema; its output is {@link StackSettings} (settings.ts) less `region`'s alias. */
export const stackConfigSchema = z.preprocess(
  // Defaults that depend on i2v:cloud (an Alibaba type, its ESSD throughput) before the fields read them.
  withCloudDefaults,
  z
    .looseObject({
      region: text(),
      "aws:region": text(),
      "alicloud:region": text(),
      cloud: oneOf(["aws", "alicloud"] as const, "aws"),
      imageId: text(),
      acrInstanceId: text(),
      instanceType: gpuType("g6.xlarge"),
      fallbackInstanceTypes: list.superRefine((types, ctx) => {
        for (const [index, type] of types.entries())
          if (!isGpuInstanceType(type))
            ctx.addIssue({
              code: "custom",
              path: [index],
              message: notGpu(type),
            });
      }),
      zones: list,
      placement,
      market: oneOf(["on-demand", "spot"] as const, "on-demand"),
      allowedCidrs: list,
      allowPublic: bool(false),
      imageUri: text(),
      imageTag: textOr("latest"),
      weights,
      mirror: text(),
      modelStorage: oneOf(["auto", "ebs"] as const, "auto"),
      modelVolumeGiB: wholeNumber(20, 16384, 200),
      modelVolumeThroughputMiBps: wholeNumber(125, 1000, 500),
      modelVolumeIops: wholeNumber(3000, 16000, 6000),
      modelSnapshotId: text(),
      snapshotInitRateMiBps: wholeNumber(100, 300, 300),
      rootVolumeGiB: wholeNumber(75, 16384, 150),
      requireToken: bool(true),
      readyTimeoutMinutes: wholeNumber(1, 120, 20),
      runtimeEnv,
      subnetId: text(),
      amiId: text(),
      forceDeleteRepository: bool(false),
      tags: stringMap,
      workers,
      metricsNamespace: textOr("i2v"),
      resultsExpireDays: wholeNumber(1, 3650, 7),
      queueNodeType: textOr("cache.t4g.small"),
      apiInstanceType: textOr("t3.small"),
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
      hostedZoneId: text(),
    })
    .superRefine(
      (c, ctx) => {
        const regionKey = c.cloud === "alicloud" ? "alicloud:region" : "aws:region";
        if (typeof c.region !== "string" && typeof c[regionKey] !== "string")
          ctx.addIssue({
            code: "custom",
            path: [regionKey],
            message: `required; set it with \`pulumi config set ${regionKey} ${c.cloud === "alicloud" ? "cn-hangzhou" : "us-east-1"}\``,
          });
        if (typeof c.domain === "string" && typeof c.hostedZoneId !== "string")
          ctx.addIssue({
            code: "custom",
            path: ["hostedZoneId"],
            message:
              "required with i2v:domain: the Route 53 zone for the certificate's validation and the alias",
          });
        if (typeof c.domain === "string" && typeof c.subnetId === "string")
          ctx.addIssue({
            code: "custom",
            path: ["domain"],
            message:
              "a load balancer spans two zones; use the default VPC (drop i2v:subnetId) with i2v:domain",
          });
        if (
          typeof c.domain === "string" &&
          Array.isArray(c.allowedCidrs) &&
          c.allowedCidrs.length === 0 &&
          c.allowPublic !== true
        )
          ctx.addIssue({
            code: "custom",
            path: ["domain"],
            message: "nobody could reach the load balancer; set i2v:allowedCidrs (or allowPublic)",
          });
        // Ingress needs both fields; when either failed to parse, its own problem is already listed.
        if (Array.isArray(c.allowedCidrs) && typeof c.allowPublic === "boolean") {
          const ingress = planIngress(c.allowedCidrs, c.allowPublic);
          if (!ingress.ok)
            for (const problem of ingress.errors) {
              const at = problem.indexOf(": ");
              ctx.addIssue({ code: "custom", path: [problem.slice(0, at)], message: problem.slice(at + 2) });
            }
        }
        // The example's placeholders and types outside the catalog (infra/rules/known-values.ts).
        const keyed = (problems: string[]) => {
          for (const problem of problems) {
            const at = problem.indexOf(": ");
            ctx.addIssue({ code: "custom", path: [problem.slice(0, at)], message: problem.slice(at + 2) });
          }
        };
        keyed(placeholderProblems(c));
        if (c.cloud === "aws" || c.cloud === "alicloud") {
          const types: [string, string][] = [];
          if (typeof c.instanceType === "string") types.push(["instanceType", c.instanceType]);
          if (Array.isArray(c.fallbackInstanceTypes))
            for (const [i, type] of c.fallbackInstanceTypes.entries())
              types.push([`fallbackInstanceTypes[${i}]`, type]);
          if (c.placement) types.push(["placement", c.placement.instanceType]);
          // Other clouds' types and non-GPU types have their own problems above; a typo of this cloud's here.
          const ownFamily = c.cloud === "aws" ? isAwsGpuType : isAlicloudGpuType;
          keyed(
            unknownTypeProblems(
              c.cloud,
              types.filter(([, type]) => ownFamily(type)),
            ),
          );
        }
        // Each cloud's own types, and what an alicloud stack needs (infra/alicloud/settings-rules.ts).
        if (
          (c.cloud === "aws" || c.cloud === "alicloud") &&
          typeof c.instanceType === "string" &&
          Array.isArray(c.fallbackInstanceTypes) &&
          Array.isArray(c.zones) &&
          Array.isArray(c.allowedCidrs)
        ) {
          const view = { ...c, region: c.region ?? c[regionKey] } as Parameters<
            typeof cloudSettingProblems
          >[0];
          for (const problem of cloudSettingProblems(view)) {
            const at = problem.indexOf(": ");
            ctx.addIssue({ code: "custom", path: [problem.slice(0, at)], message: problem.slice(at + 2) });
          }
        }
      },
      { when: () => true },
    ),
);

/** `allowedCidrs[0]`, `workers.max`, `aws:region`: a zod issue path as the config keys read. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path)
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  return out === "" ? "(config)" : out;
}
