import type { FailureKind } from "../decisions/capacity.ts";

/**
 * Alibaba Cloud's own error codes, as ECS returns them inside Pulumi's failure text
 * (`ErrorCode: OperationDenied.NoStock`). Capacity and "not offered here" move on to the next
 * (type, zone); account problems stop at once with what to do, since no other zone fixes them.
 * Codes from Alibaba's ECS RunInstances/CreateInstance error-code tables; messages were not seen
 * from this machine (no Alibaba access).
 */
export interface AlicloudFailure {
  kind: FailureKind | "account";
  /** The matched error code, when one matched. */
  code: string | undefined;
  /** What the user should do; set for every kind that stops. */
  hint: string | undefined;
}

interface Rule {
  pattern: RegExp;
  code: string;
  kind: AlicloudFailure["kind"];
  hint?: string;
}

const RULES: readonly Rule[] = [
  { pattern: /OperationDenied\.NoStock\b/, code: "OperationDenied.NoStock", kind: "capacity" },
  { pattern: /Zone\.NotOnSale\b/, code: "Zone.NotOnSale", kind: "unsupported" },
  {
    pattern: /InvalidResourceType\.NotSupported\b/,
    code: "InvalidResourceType.NotSupported",
    kind: "unsupported",
  },
  { pattern: /InstanceType\.Offline\b/, code: "InstanceType.Offline", kind: "unsupported" },
  {
    pattern: /QuotaExceed\.ElasticQuota\b/,
    code: "QuotaExceed.ElasticQuota",
    kind: "quota",
    hint: "raise the vCPU quota of this instance family in Quota Center (ECS > Elastic Computing Service quotas, per region), or pick a smaller type",
  },
  {
    pattern: /RealNameAuthenticationError\b/,
    code: "RealNameAuthenticationError",
    kind: "account",
    hint: "complete real-name verification for the account (console: Account > Real-name Verification); resources in mainland China regions need it",
  },
  {
    pattern:
      /InvalidAccountStatus\.NotEnoughBalance\b|Account\.Arrearage\b|insufficient balance|not enough balance/i,
    code: "InvalidAccountStatus.NotEnoughBalance",
    kind: "account",
    hint: "top up the account (Billing > Recharge); pay-as-you-go ECS needs a positive balance, commonly at least CNY 100",
  },
];

/** Classifies one failure text. */
export function classifyAlicloudFailure(message: string): AlicloudFailure {
  for (const rule of RULES) {
    if (rule.pattern.test(message)) return { kind: rule.kind, code: rule.code, hint: rule.hint };
  }
  return { kind: "other", code: undefined, hint: undefined };
}

/** The fallback driver's view: only capacity and unsupported move on; account stops like quota. */
export function alicloudFailureKind(message: string): FailureKind {
  const { kind } = classifyAlicloudFailure(message);
  return kind === "account" ? "quota" : kind;
}
