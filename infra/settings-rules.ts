import type { z } from "zod";
import { isAlicloudGpuType } from "./alicloud/catalog.ts";
import { isGpuInstanceType as isAwsGpuType } from "./decisions/gpu-family.ts";
import { planIngress } from "./decisions/ingress.ts";
import { placeholderProblems, unknownTypeProblems } from "./rules/known-values.ts";
import type { SETTINGS_SHAPE } from "./settings-shape.ts";

/**
 * The rules across settings, each named, in one list (one rule, one function, as changesets keeps
 * its rules). Each returns `key: message` problems. They run even when some fields failed to parse,
 * so every problem comes back at once: a rule reads a field only when it has the right kind.
 */

/** The parsed config as the rules see it: any field may be missing when it failed to parse. */
export type ParsedConfig = Partial<z.output<z.ZodObject<typeof SETTINGS_SHAPE>>>;

export interface SettingRule {
  name: string;
  check(config: ParsedConfig): string[];
}

const isText = (v: unknown): v is string => typeof v === "string";
const regionKey = (c: ParsedConfig) => (c.cloud === "alicloud" ? "alicloud:region" : "aws:region");
const regionOf = (c: ParsedConfig) => c.region ?? c[regionKey(c)];

export const SETTING_RULES: readonly SettingRule[] = [
  {
    name: "region required (the provider key of the stack's cloud)",
    check: (c) =>
      isText(regionOf(c))
        ? []
        : [
            `${regionKey(c)}: required; set it with \`pulumi config set ${regionKey(c)} ${c.cloud === "alicloud" ? "cn-hangzhou" : "us-east-1"}\``,
          ],
  },
  {
    name: "domain needs its hosted zone",
    check: (c) =>
      isText(c.domain) && !isText(c.hostedZoneId)
        ? [
            "hostedZoneId: required with i2v:domain: the Route 53 zone for the certificate's validation and the alias",
          ]
        : [],
  },
  {
    name: "domain needs the default VPC",
    check: (c) =>
      isText(c.domain) && isText(c.subnetId)
        ? ["domain: a load balancer spans two zones; use the default VPC (drop i2v:subnetId) with i2v:domain"]
        : [],
  },
  {
    name: "domain needs someone who may reach it",
    check: (c) =>
      isText(c.domain) &&
      Array.isArray(c.allowedCidrs) &&
      c.allowedCidrs.length === 0 &&
      c.allowPublic !== true
        ? ["domain: nobody could reach the load balancer; set i2v:allowedCidrs (or allowPublic)"]
        : [],
  },
  {
    name: "ingress: no world-open port without allowPublic",
    check: (c) => {
      if (!Array.isArray(c.allowedCidrs) || typeof c.allowPublic !== "boolean") return [];
      const ingress = planIngress(c.allowedCidrs, c.allowPublic);
      return ingress.ok ? [] : ingress.errors;
    },
  },
  { name: "no example placeholders", check: (c) => placeholderProblems(c) },
  {
    name: "instance types of the stack's cloud only",
    check: (c) => {
      if (c.cloud !== "aws" && c.cloud !== "alicloud") return [];
      const other = c.cloud === "alicloud" ? isAwsGpuType : isAlicloudGpuType;
      return [...new Set(typesOf(c).map(([, type]) => type))]
        .filter((type) => other(type))
        .map(
          (type) =>
            `instanceType: ${type} is a type of the other cloud; this stack's i2v:cloud is ${c.cloud}`,
        );
    },
  },
  {
    name: "instance types from the catalog (typos get the near match)",
    check: (c) => {
      if (c.cloud !== "aws" && c.cloud !== "alicloud") return [];
      // Other clouds' and non-GPU types have their own problems; a typo of this cloud's here.
      const own = c.cloud === "aws" ? isAwsGpuType : isAlicloudGpuType;
      return unknownTypeProblems(
        c.cloud,
        typesOf(c).filter(([, type]) => own(type)),
      );
    },
  },
  {
    name: "alicloud: zones of the region, allowed CIDRs, no AWS-only keys",
    check: (c) => (c.cloud === "alicloud" ? alicloudProblems(c) : []),
  },
];

/** Every rule's problems, in rule order. */
export function settingProblems(config: ParsedConfig): string[] {
  return SETTING_RULES.flatMap((rule) => rule.check(config));
}

/** `[key, type]` for the preferred type, each fallback and the placement's type. */
function typesOf(c: ParsedConfig): [string, string][] {
  const types: [string, string][] = [];
  if (isText(c.instanceType)) types.push(["instanceType", c.instanceType]);
  if (Array.isArray(c.fallbackInstanceTypes))
    for (const [i, type] of c.fallbackInstanceTypes.entries())
      types.push([`fallbackInstanceTypes[${i}]`, type]);
  if (c.placement) types.push(["placement", c.placement.instanceType]);
  return types;
}

/** What an `i2v:cloud: alicloud` stack must set beyond the common keys, and the AWS-only keys it must not set. */
function alicloudProblems(c: ParsedConfig): string[] {
  const problems: string[] = [];
  const region = regionOf(c);
  if (Array.isArray(c.zones)) {
    if (c.zones.length === 0)
      problems.push(
        "zones: required on alicloud (a vSwitch lives in one zone); e.g. `pulumi config set --path 'i2v:zones[0]' cn-hangzhou-i`",
      );
    for (const zone of c.zones)
      if (isText(region) && !zone.startsWith(`${region}-`))
        problems.push(`zones: ${zone} is not a zone of ${region} (zones look like ${region}-i)`);
  }
  if (Array.isArray(c.allowedCidrs) && c.allowedCidrs.length === 0 && c.allowPublic !== true)
    problems.push(
      "allowedCidrs: required on alicloud (there is no port-forwarding session as on AWS); list your address as /32",
    );
  for (const key of ["subnetId", "amiId", "modelSnapshotId"] as const)
    if (c[key] !== undefined)
      problems.push(
        `${key}: an AWS setting; not used on alicloud (the box's image is a public Ubuntu image, or i2v:imageId)`,
      );
  return problems;
}
