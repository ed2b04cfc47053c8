import { describe, expect, it } from "vitest";
import { deployWithFallbacks, formatAttempts } from "../capacity/fallback.ts";
import { type PlacementCandidate, planCandidates } from "../decisions/capacity.ts";

const candidates = planCandidates({
  instanceType: "g6.xlarge",
  fallbackInstanceTypes: ["g5.xlarge"],
  zones: ["us-east-1a"],
  subnetPinned: false,
});

const ICE =
  "creating EC2 Instance: operation error EC2: RunInstances, api error InsufficientInstanceCapacity: We currently do not have sufficient g6.xlarge capacity";
const QUOTA =
  "api error VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 0";

/** An attempt function that fails with the given messages in turn, then succeeds. */
function scripted(failures: string[]) {
  const tried: string[] = [];
  const attempt = async (c: PlacementCandidate) => {
    tried.push(`${c.instanceType}@${c.zone ?? "any"}`);
    const next = failures.shift();
    if (next) throw new Error(`error: update failed\n  ${next}`);
  };
  return { attempt, tried };
}

describe("deployWithFallbacks", () => {
  it("moves past capacity errors to the next placement and reports each try", async () => {
    const { attempt, tried } = scripted([ICE, ICE]);
    const result = await deployWithFallbacks(candidates, attempt);
    expect(tried).toEqual(["g6.xlarge@any", "g6.xlarge@us-east-1a", "g5.xlarge@any"]);
    expect(result.deployed).toEqual({ instanceType: "g5.xlarge", zone: undefined });
    expect(result.attempts.map((a) => a.outcome)).toEqual(["capacity", "capacity", "deployed"]);
    expect(result.attempts[0]?.reason).toMatch(/^creating EC2 Instance.*InsufficientInstanceCapacity/);
  });

  it("stops at a quota error: another zone would not help", async () => {
    const { attempt, tried } = scripted([QUOTA]);
    const result = await deployWithFallbacks(candidates, attempt);
    expect(tried).toHaveLength(1);
    expect(result.deployed).toBeUndefined();
    expect(result.attempts[0]?.outcome).toBe("quota");
  });

  it("stops at an unknown error instead of retrying it everywhere", async () => {
    const { attempt, tried } = scripted(["UnauthorizedOperation: not allowed"]);
    await deployWithFallbacks(candidates, attempt);
    expect(tried).toHaveLength(1);
  });

  it("lists every placement tried when all are out of capacity", async () => {
    const { attempt } = scripted(candidates.map(() => ICE));
    const result = await deployWithFallbacks(candidates, attempt);
    expect(result.deployed).toBeUndefined();
    const text = formatAttempts(result.attempts);
    expect(text.split("\n")).toHaveLength(4);
    expect(text).toContain("g5.xlarge@us-east-1a");
    expect(text).toMatch(/capacity: creating EC2 Instance/);
  });
});
