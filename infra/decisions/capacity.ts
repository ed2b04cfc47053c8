/**
 * Capacity fallbacks as data. EC2 answers `InsufficientInstanceCapacity` per type and zone, and
 * `pulumi up` does not retry elsewhere: a failed create fails the update. So the order of things to
 * try is decided here, once, and both the deploy driver and the plan printer show it.
 *
 * Order (after EC2's own advice in its ICE message): each instance type first unpinned (no zone, so
 * EC2 places it wherever it has room), then pinned to each configured zone; then the next type.
 */

/** One (instance type, zone) pair to try. `zone` undefined means "let EC2 choose". */
export interface PlacementCandidate {
  instanceType: string;
  zone: string | undefined;
}

/** What the candidates are built from (a subset of the stack settings). */
export interface CapacityPlanInput {
  /** The preferred instance type. */
  instanceType: string;
  /** Types to try next, in order. */
  fallbackInstanceTypes: readonly string[];
  /** Zones to pin to after the unpinned try, in order; empty means only unpinned tries. */
  zones: readonly string[];
  /** A fixed subnet pins the zone, so only unpinned-per-type candidates remain. */
  subnetPinned: boolean;
}

/** The ordered, de-duplicated list of placements to try. */
export function planCandidates(input: CapacityPlanInput): PlacementCandidate[] {
  const types = unique([input.instanceType, ...input.fallbackInstanceTypes]);
  const zones = input.subnetPinned ? [] : unique(input.zones);
  return types.flatMap((instanceType) => [
    { instanceType, zone: undefined },
    ...zones.map((zone) => ({ instanceType, zone })),
  ]);
}

/** `g6.xlarge@us-east-1b`, or `g6.xlarge@any` when unpinned: how candidates are written in config and logs. */
export function formatPlacement(candidate: PlacementCandidate): string {
  return `${candidate.instanceType}@${candidate.zone ?? "any"}`;
}

/** Parses {@link formatPlacement}'s form back; undefined when the text is not of that form. */
export function parsePlacement(text: string): PlacementCandidate | undefined {
  // Two dots for Alibaba types (ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i).
  const match = /^([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:@([a-z0-9-]+))?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const zone = match[2];
  return { instanceType: match[1], zone: zone === undefined || zone === "any" ? undefined : zone };
}

/** Why an attempt failed, as far as choosing the next candidate is concerned. */
export type FailureKind = "capacity" | "unsupported" | "quota" | "other";

/**
 * Classifies an EC2/Pulumi error message. Only `capacity` and `unsupported` move on to the next
 * candidate; a quota error will not go away by changing zone, and anything else is a real failure.
 */
export function classifyLaunchFailure(message: string): FailureKind {
  if (
    /InsufficientInstanceCapacity|InsufficientCapacity|capacity-not-available|no Spot capacity/i.test(message)
  )
    return "capacity";
  if (/Unsupported|is not supported in your requested Availability Zone|InvalidInstanceType/i.test(message)) {
    return "unsupported";
  }
  if (/VcpuLimitExceeded|MaxSpotInstanceCountExceeded|InstanceLimitExceeded|vCPU capacity/i.test(message)) {
    return "quota";
  }
  return "other";
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items.map((s) => s.trim()).filter((s) => s.length > 0))];
}
