import { alicloudSettingProblems, isAlicloudGpuType, regionRequired } from "./alicloud/settings-rules.ts";
import { type PlacementCandidate, parsePlacement } from "./decisions/capacity.ts";
import { isGpuInstanceType } from "./decisions/gpu-family.ts";
import { planIngress } from "./decisions/ingress.ts";

/**
 * The stack's settings, after defaults. Read from `i2v:*` keys of `Pulumi.<stack>.yaml` (see
 * docs/infra.md for the table) by the program and, without Pulumi, by the CLI scripts.
 */
export interface StackSettings {
  /** Which cloud (`i2v:cloud`): the program and the scripts dispatch on it. @default "aws" */
  cloud: "aws" | "alicloud";
  /** Region: `aws:region`, or `alicloud:region` when the cloud is alicloud. Required. */
  region: string;
  /** Preferred instance type. @default "g6.xlarge" */
  instanceType: string;
  /** Types to try next when AWS has no capacity. @default [] */
  fallbackInstanceTypes: string[];
  /** Zones to pin to after the unpinned try. @default [] */
  zones: string[];
  /** The candidate to deploy now (`type@zone`); set by the deploy driver. @default the first candidate */
  placement: PlacementCandidate | undefined;
  /** On-demand or spot. @default "on-demand" */
  market: "on-demand" | "spot";
  /** CIDRs allowed to reach the API port. @default [] (SSM port forwarding only) */
  allowedCidrs: string[];
  /** Allow 0.0.0.0/0. @default false */
  allowPublic: boolean;
  /** Image to run; when unset, the stack's ECR repository at `imageTag`. @default undefined */
  imageUri: string | undefined;
  /** Tag in the stack's repository. @default "latest" */
  imageTag: string;
  /** "baked" (weights inside the image) or a model reference to fetch on the box. @default "baked" */
  weights: string;
  /** Mirror name passed to `fetch-model --mirror`. @default undefined */
  mirror: string | undefined;
  /** Model storage: "auto" (instance store when the type has it) or "ebs". @default "auto" */
  modelStorage: "auto" | "ebs";
  /** gp3 size in GiB when EBS holds the weights. @default 200 */
  modelVolumeGiB: number;
  /** gp3 throughput in MiB/s. @default 500 */
  modelVolumeThroughputMiBps: number;
  /** gp3 IOPS. @default 6000 */
  modelVolumeIops: number;
  /** Snapshot with the weights already on it. @default undefined */
  modelSnapshotId: string | undefined;
  /** Provisioned initialization rate (MiB/s, 100-300) for the snapshot restore. @default 300 */
  snapshotInitRateMiBps: number;
  /** Root volume size in GiB (holds Docker's images). @default 150 */
  rootVolumeGiB: number;
  /** Generate a bearer token and require it. @default true */
  requireToken: boolean;
  /** How long the boot waits for /readyz before reporting failure. @default 20 */
  readyTimeoutMinutes: number;
  /** Extra non-secret environment for the runtime container. @default {} */
  runtimeEnv: Record<string, string>;
  /** A fixed subnet (pins the zone and VPC). @default default VPC */
  subnetId: string | undefined;
  /** A fixed AMI id instead of the DLAMI lookup. @default undefined */
  amiId: string | undefined;
  /** alicloud: the pinned ECS image (NVIDIA driver, Docker, NVIDIA Container Toolkit, aliyun CLI). @default undefined */
  imageId: string | undefined;
  /** alicloud: the ACR Enterprise Edition instance the stack's repository goes into. @default undefined */
  acrInstanceId: string | undefined;
  /** Delete the ECR repository even when it holds images, on `pulumi destroy`. @default false */
  forceDeleteRepository: boolean;
  /** Extra tags on every resource. @default {} */
  tags: Record<string, string>;
}

/** Raw values by key, as strings (from `pulumi.Config`) or typed (from a parsed stack YAML). */
export type RawConfig = Record<string, unknown>;

/** Result of {@link normalizeSettings}: settings, or every problem as `key: message`. */
export type SettingsResult =
  | { ok: true; settings: StackSettings; warnings: string[] }
  | { ok: false; errors: string[] };

/** The keys the program reads from the `i2v` namespace. */
export const SETTING_KEYS = [
  "cloud",
  "imageId",
  "acrInstanceId",
  "instanceType",
  "fallbackInstanceTypes",
  "zones",
  "placement",
  "market",
  "allowedCidrs",
  "allowPublic",
  "imageUri",
  "imageTag",
  "weights",
  "mirror",
  "modelStorage",
  "modelVolumeGiB",
  "modelVolumeThroughputMiBps",
  "modelVolumeIops",
  "modelSnapshotId",
  "snapshotInitRateMiBps",
  "rootVolumeGiB",
  "requireToken",
  "readyTimeoutMinutes",
  "runtimeEnv",
  "subnetId",
  "amiId",
  "forceDeleteRepository",
  "tags",
] as const;

/**
 * Parse, default and validate. `raw` holds `i2v` keys without prefix plus `region` (from `aws:region`).
 * Never throws on user input: every problem comes back in `errors`.
 */
export function normalizeSettings(raw: RawConfig): SettingsResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const r = new Reader(raw, errors);
  const cloud = r.oneOf("cloud", ["aws", "alicloud"] as const) ?? "aws";
  const settings: StackSettings = {
    cloud,
    region: r.string("region", cloud === "alicloud" ? "alicloud:region" : "aws:region") ?? "",
    instanceType: r.string("instanceType") ?? (cloud === "alicloud" ? "ecs.gn7i-c8g1.2xlarge" : "g6.xlarge"),
    fallbackInstanceTypes: r.list("fallbackInstanceTypes") ?? [],
    zones: r.list("zones") ?? [],
    placement: undefined,
    market: r.oneOf("market", ["on-demand", "spot"] as const) ?? "on-demand",
    allowedCidrs: r.list("allowedCidrs") ?? [],
    allowPublic: r.bool("allowPublic") ?? false,
    imageUri: r.string("imageUri"),
    imageTag: r.string("imageTag") ?? "latest",
    weights: r.string("weights") ?? "baked",
    mirror: r.string("mirror"),
    modelStorage: r.oneOf("modelStorage", ["auto", "ebs"] as const) ?? "auto",
    modelVolumeGiB: r.int("modelVolumeGiB", 20, 16384) ?? 200,
    // alicloud: 200 MiB/s reads 12 GB of weights in about a minute, on a PL1 ESSD (see alicloud/essd.ts).
    modelVolumeThroughputMiBps:
      r.int("modelVolumeThroughputMiBps", 125, cloud === "alicloud" ? 4000 : 1000) ??
      (cloud === "alicloud" ? 200 : 500),
    modelVolumeIops: r.int("modelVolumeIops", 3000, 16000) ?? 6000,
    modelSnapshotId: r.string("modelSnapshotId"),
    snapshotInitRateMiBps: r.int("snapshotInitRateMiBps", 100, 300) ?? 300,
    rootVolumeGiB: r.int("rootVolumeGiB", 75, 16384) ?? 150,
    requireToken: r.bool("requireToken") ?? true,
    readyTimeoutMinutes: r.int("readyTimeoutMinutes", 1, 120) ?? 20,
    runtimeEnv: r.stringMap("runtimeEnv") ?? {},
    subnetId: r.string("subnetId"),
    amiId: r.string("amiId"),
    imageId: r.string("imageId"),
    acrInstanceId: r.string("acrInstanceId"),
    forceDeleteRepository: r.bool("forceDeleteRepository") ?? false,
    tags: r.stringMap("tags") ?? {},
  };
  if (!settings.region) errors.push(regionRequired(cloud));
  const isGpu = cloud === "alicloud" ? isAlicloudGpuType : isGpuInstanceType;
  for (const type of [settings.instanceType, ...settings.fallbackInstanceTypes]) {
    if (!isGpu(type))
      errors.push(
        cloud === "alicloud"
          ? `instanceType: ${type} is not an Alibaba NVIDIA GPU type (ecs.gn6i-*, ecs.gn7i-*, ecs.gn7e-*)`
          : `instanceType: ${type} is not an NVIDIA GPU type (g4dn, g5, g6, g6e, p4d, p5, ...)`,
      );
  }
  if (cloud === "alicloud") errors.push(...alicloudSettingProblems(settings));
  const placementText = r.string("placement");
  if (placementText !== undefined) {
    settings.placement = parsePlacement(placementText);
    if (!settings.placement)
      errors.push(`placement: "${placementText}" is not of the form g6.xlarge@us-east-1b`);
    else if (!isGpu(settings.placement.instanceType))
      errors.push(`placement: ${placementText} is not a GPU type`);
  }
  for (const key of Object.keys(settings.runtimeEnv)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      errors.push(`runtimeEnv: "${key}" is not a valid environment variable name`);
    if (key === "I2V_TOKEN")
      errors.push("runtimeEnv: I2V_TOKEN is generated by the stack; do not put a token in config");
  }
  if (settings.weights !== "baked" && !/^[\w.-]+\/[\w.-]+(@[\w.-]+)?$/.test(settings.weights)) {
    errors.push(
      `weights: "${settings.weights}" is neither "baked" nor a model reference such as org/model@revision`,
    );
  }
  const ingress = planIngress(settings.allowedCidrs, settings.allowPublic);
  if (!ingress.ok) errors.push(...ingress.errors);
  else warnings.push(...ingress.warnings);
  if (settings.market === "spot")
    warnings.push(
      cloud === "alicloud"
        ? "market spot: Alibaba can release the box (SpotAsPriceGo) at short notice"
        : "market spot: the box can be reclaimed with two minutes' notice",
    );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings, warnings };
}

/** Reads one key at a time, coercing strings (Pulumi passes structured config as JSON text). */
class Reader {
  constructor(
    private readonly raw: RawConfig,
    private readonly errors: string[],
  ) {}

  private value(key: string, ...aliases: string[]): unknown {
    for (const k of [key, ...aliases]) {
      const v = this.raw[k];
      if (v !== undefined && v !== null && v !== "") return v;
    }
    return undefined;
  }

  string(key: string, ...aliases: string[]): string | undefined {
    const v = this.value(key, ...aliases);
    if (v === undefined) return undefined;
    if (typeof v === "string") return v.trim();
    if (typeof v === "number") return String(v);
    this.errors.push(`${key}: expected text, got ${JSON.stringify(v)}`);
    return undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.errors.push(`${key}: "${v}" is not one of ${allowed.join(", ")}`);
    return undefined;
  }

  bool(key: string): boolean | undefined {
    const v = this.value(key);
    if (v === undefined || typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    this.errors.push(`${key}: expected true or false, got ${JSON.stringify(v)}`);
    return undefined;
  }

  int(key: string, min: number, max: number): number | undefined {
    const v = this.value(key);
    if (v === undefined) return undefined;
    const n = typeof v === "number" ? v : Number(v);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.errors.push(`${key}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return undefined;
  }

  list(key: string): string[] | undefined {
    const v = this.parsed(key);
    if (v === undefined) return undefined;
    if (typeof v === "string")
      return v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.map((s) => s.trim());
    this.errors.push(`${key}: expected a list of text, got ${JSON.stringify(v)}`);
    return undefined;
  }

  stringMap(key: string): Record<string, string> | undefined {
    const v = this.parsed(key);
    if (v === undefined) return undefined;
    if (typeof v === "object" && !Array.isArray(v) && v !== null) {
      const entries = Object.entries(v);
      if (entries.every(([, x]) => typeof x === "string"))
        return Object.fromEntries(entries) as Record<string, string>;
    }
    this.errors.push(`${key}: expected a map of text values, got ${JSON.stringify(v)}`);
    return undefined;
  }

  /** JSON text (what `pulumi.Config.get` returns for structured values) becomes the value it encodes. */
  private parsed(key: string): unknown {
    const v = this.value(key);
    if (typeof v === "string" && /^\s*[[{]/.test(v)) {
      try {
        return JSON.parse(v);
      } catch {
        return v;
      }
    }
    return v;
  }
}
