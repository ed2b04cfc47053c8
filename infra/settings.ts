import type { PlacementCandidate } from "./decisions/capacity.ts";
import { planIngress } from "./decisions/ingress.ts";
import { formatPath, stackConfigSchema } from "./settings-schema.ts";
import type { WorkersSettings } from "./workers-schema.ts";

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
  /** Scale-out: an API box plus an Auto Scaling group of GPU workers. @default undefined (one box) */
  workers: WorkersSettings | undefined;
  /** CloudWatch namespace the API role publishes the backlog metrics to. @default "i2v" */
  metricsNamespace: string;
  /** Days until job inputs and results expire from the scale-out bucket. @default 7 */
  resultsExpireDays: number;
  /** ElastiCache node type of the Valkey queue (scale-out). @default "cache.t4g.small" */
  queueNodeType: string;
  /** Instance type of the API box (scale-out; no GPU needed). @default "t3.small" */
  apiInstanceType: string;
  /** A DNS name of yours: ACM certificate and a load balancer in front of the box. @default undefined */
  domain: string | undefined;
  /** The Route 53 hosted zone holding `domain`. @default undefined */
  hostedZoneId: string | undefined;
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
  "workers",
  "metricsNamespace",
  "resultsExpireDays",
  "queueNodeType",
  "apiInstanceType",
  "domain",
  "hostedZoneId",
] as const;

/**
 * Parse, default and validate (infra/settings-schema.ts). `raw` holds `i2v` keys without prefix
 * plus `region` (from `aws:region`). Never throws on user input: every problem comes back in
 * `errors` as `path: message`, the way the runtime reports its manifest and config problems.
 */
export function normalizeSettings(raw: RawConfig): SettingsResult {
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  const { region, "aws:region": awsRegion, "alicloud:region": alicloudRegion, ...config } = parsed.data;
  const settings: StackSettings = {
    ...(Object.fromEntries(SETTING_KEYS.map((key) => [key, config[key]])) as Omit<StackSettings, "region">),
    region: (region ?? (config.cloud === "alicloud" ? alicloudRegion : awsRegion)) as string,
  };
  const warnings = planIngress(settings.allowedCidrs, settings.allowPublic);
  return {
    ok: true,
    settings,
    warnings: [
      ...(warnings.ok ? warnings.warnings : []),
      ...(settings.market === "spot"
        ? [
            settings.cloud === "alicloud"
              ? "market spot: Alibaba can release the box (SpotAsPriceGo) at short notice"
              : "market spot: the box can be reclaimed with two minutes' notice",
          ]
        : []),
    ],
  };
}
