import { classifyAlicloudFailure } from "../alicloud/capacity-errors.ts";
import { alicloudCandidates } from "../alicloud/placement.ts";
import { classifyLaunchFailure, type FailureKind, type PlacementCandidate } from "../decisions/capacity.ts";
import { candidatesFor } from "../plan.ts";
import type { StackSettings } from "../settings.ts";
import type { Attempt } from "./fallback.ts";

/** What the deploy driver needs from a cloud: the order to try, how to read a failure, what to say after. */
export interface DeployTarget {
  candidates: PlacementCandidate[];
  classify: (message: string) => FailureKind;
  /** The hint after the last failed attempt, from its kind and the full error text. */
  hint: (last: Attempt | undefined, message: string) => string;
}

const RETRY_ELSEWHERE = "add fallbackInstanceTypes or zones, try another region, or retry later";

/** The driver's view of the stack's cloud (`i2v:cloud`). */
export function deployTarget(settings: StackSettings): DeployTarget {
  if (settings.cloud === "alicloud") {
    return {
      candidates: alicloudCandidates(settings),
      classify: (message) => {
        const { kind } = classifyAlicloudFailure(message);
        return kind === "account" ? "quota" : kind;
      },
      hint: (last, message) =>
        classifyAlicloudFailure(message).hint ??
        (last?.outcome === "capacity" || last?.outcome === "unsupported"
          ? RETRY_ELSEWHERE
          : "read the pulumi output above; this failure is not about stock or the account"),
    };
  }
  return {
    candidates: candidatesFor(settings),
    classify: classifyLaunchFailure,
    hint: (last) =>
      last?.outcome === "quota"
        ? "raise the vCPU quota named by `npm run deploy-plan` in Service Quotas, or pick a smaller type"
        : last?.outcome === "capacity" || last?.outcome === "unsupported"
          ? RETRY_ELSEWHERE
          : "read the pulumi output above; this failure is not about capacity",
  };
}
