import {
  classifyLaunchFailure,
  type FailureKind,
  formatPlacement,
  type PlacementCandidate,
} from "../decisions/capacity.ts";

/** What happened to one candidate. */
export interface Attempt {
  placement: string;
  outcome: "deployed" | FailureKind;
  /** The error's first meaningful line, for failures. */
  reason?: string;
}

/** The run as a whole: the candidate that worked, if any, and every attempt in order. */
export interface FallbackResult {
  deployed: PlacementCandidate | undefined;
  attempts: Attempt[];
}

/**
 * Tries candidates in order until one deploys. Moves on only when AWS says "no capacity" or "not
 * offered in this zone"; a quota error or anything else stops at once, since another zone or size
 * of the same quota will not help and a real bug should not be retried twelve times.
 */
export async function deployWithFallbacks(
  candidates: readonly PlacementCandidate[],
  attempt: (candidate: PlacementCandidate) => Promise<void>,
  onAttempt: (a: Attempt) => void = () => {},
  /** The cloud's error classifier (AWS's by default; infra/alicloud/capacity-errors.ts for Alibaba). */
  classify: (message: string) => FailureKind = classifyLaunchFailure,
): Promise<FallbackResult> {
  const attempts: Attempt[] = [];
  for (const candidate of candidates) {
    const placement = formatPlacement(candidate);
    try {
      await attempt(candidate);
      const done: Attempt = { placement, outcome: "deployed" };
      attempts.push(done);
      onAttempt(done);
      return { deployed: candidate, attempts };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const failed: Attempt = {
        placement,
        outcome: classify(message),
        reason: firstReason(message),
      };
      attempts.push(failed);
      onAttempt(failed);
      if (failed.outcome !== "capacity" && failed.outcome !== "unsupported") break;
    }
  }
  return { deployed: undefined, attempts };
}

/** One line per attempt, for the summary the user sees. */
export function formatAttempts(attempts: readonly Attempt[]): string {
  return attempts
    .map(
      (a, i) =>
        `${String(i + 1).padStart(2)}. ${a.placement.padEnd(24)} ${a.outcome}${a.reason ? `: ${a.reason}` : ""}`,
    )
    .join("\n");
}

/** The AWS error line inside Pulumi's long failure text, else the first non-empty line. */
function firstReason(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const aws = lines.find((l) =>
    /InsufficientInstanceCapacity|Unsupported|LimitExceeded|api error|StatusCode|Code: [A-Z]\w+\.\w+/i.test(
      l,
    ),
  );
  return (aws ?? lines[0] ?? "unknown error").slice(0, 240);
}
