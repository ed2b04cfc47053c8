import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INSTANCE_TYPES } from "../catalog/instance-types.ts";
import { amiParameterName, DLAMI_PARAMETER } from "../decisions/ami.ts";
import {
  classifyLaunchFailure,
  formatPlacement,
  parsePlacement,
  planCandidates,
} from "../decisions/capacity.ts";
import { isGpuInstanceType } from "../decisions/gpu-family.ts";
import { boxPolicy } from "../decisions/iam.ts";
import { parseImageRef } from "../decisions/image-ref.ts";
import { planIngress } from "../decisions/ingress.ts";
import { planModelStorage, type StoragePlanInput } from "../decisions/storage.ts";
import { stackTags } from "../decisions/tags.ts";

describe("isGpuInstanceType", () => {
  it.each([
    ["g4dn.xlarge", true],
    ["g5.2xlarge", true],
    ["g6.xlarge", true],
    ["g6e.12xlarge", true],
    ["p3.2xlarge", true],
    ["p4d.24xlarge", true],
    ["p5.48xlarge", true],
    ["g4ad.xlarge", false], // AMD: no CUDA
    ["inf2.xlarge", false],
    ["m7i.xlarge", false],
    ["t3.micro", false],
    ["g6", false],
    ["", false],
  ])("%s -> %s", (type, expected) => expect(isGpuInstanceType(type)).toBe(expected));

  it("accepts every type in the catalog", () => {
    for (const type of Object.keys(INSTANCE_TYPES)) expect(isGpuInstanceType(type), type).toBe(true);
  });
});

describe("planCandidates", () => {
  it("tries each type unpinned first, then each zone, then the next type", () => {
    const plan = planCandidates({
      instanceType: "g6.xlarge",
      fallbackInstanceTypes: ["g5.xlarge"],
      zones: ["us-east-1a", "us-east-1b"],
      subnetPinned: false,
    });
    expect(plan.map(formatPlacement)).toEqual([
      "g6.xlarge@any",
      "g6.xlarge@us-east-1a",
      "g6.xlarge@us-east-1b",
      "g5.xlarge@any",
      "g5.xlarge@us-east-1a",
      "g5.xlarge@us-east-1b",
    ]);
  });

  it.each([
    [
      "no fallbacks, no zones",
      { fallbackInstanceTypes: [], zones: [], subnetPinned: false },
      ["g6.xlarge@any"],
    ],
    [
      "duplicates collapse",
      { fallbackInstanceTypes: ["g6.xlarge", " g5.xlarge "], zones: ["a", "a"], subnetPinned: false },
      ["g6.xlarge@any", "g6.xlarge@a", "g5.xlarge@any", "g5.xlarge@a"],
    ],
    [
      "a fixed subnet ignores zones",
      { fallbackInstanceTypes: ["g5.xlarge"], zones: ["a"], subnetPinned: true },
      ["g6.xlarge@any", "g5.xlarge@any"],
    ],
  ])("%s", (_, rest, expected) => {
    expect(planCandidates({ instanceType: "g6.xlarge", ...rest }).map(formatPlacement)).toEqual(expected);
  });

  it("every (type, zone) pair appears exactly once, first type first", () => {
    const name = fc.constantFrom("g6.xlarge", "g5.xlarge", "g6e.xlarge", "g4dn.xlarge");
    const zone = fc.constantFrom("us-east-1a", "us-east-1b", "us-east-1c");
    fc.assert(
      fc.property(name, fc.array(name), fc.array(zone), (first, fallbacks, zones) => {
        const plan = planCandidates({
          instanceType: first,
          fallbackInstanceTypes: fallbacks,
          zones,
          subnetPinned: false,
        });
        const keys = plan.map(formatPlacement);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys[0]).toBe(`${first}@any`);
        expect(plan.length).toBe(new Set([first, ...fallbacks]).size * (1 + new Set(zones).size));
      }),
    );
  });
});

describe("placement text", () => {
  it.each([
    ["g6.xlarge@us-east-1b", { instanceType: "g6.xlarge", zone: "us-east-1b" }],
    ["g6.xlarge@any", { instanceType: "g6.xlarge", zone: undefined }],
    ["g6.xlarge", { instanceType: "g6.xlarge", zone: undefined }],
    ["nonsense", undefined],
    ["g6.xlarge@", undefined],
  ])("%s", (text, expected) => expect(parsePlacement(text)).toEqual(expected));
});

describe("classifyLaunchFailure", () => {
  it.each([
    ["InsufficientInstanceCapacity: We currently do not have sufficient g6.xlarge capacity", "capacity"],
    [
      "Unsupported: Your requested instance type (g6e.xlarge) is not supported in your requested Availability Zone",
      "unsupported",
    ],
    ["VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 0", "quota"],
    ["MaxSpotInstanceCountExceeded", "quota"],
    ["There is no Spot capacity available that matches your request.", "capacity"],
    ["UnauthorizedOperation: You are not authorized", "other"],
  ])("%s -> %s", (message, kind) => expect(classifyLaunchFailure(message)).toBe(kind));
});

describe("planIngress", () => {
  it.each([
    [["203.0.113.7/32"], false, { ok: true, cidrs: ["203.0.113.7/32"] }],
    [["203.0.113.7/32", "203.0.113.7/32"], false, { ok: true, cidrs: ["203.0.113.7/32"] }],
    [["2001:db8::/48"], false, { ok: true, cidrs: ["2001:db8::/48"] }],
    [[], true, { ok: true, cidrs: ["0.0.0.0/0"] }],
    [["0.0.0.0/0"], true, { ok: true, cidrs: ["0.0.0.0/0"] }],
    [["0.0.0.0/0"], false, { ok: false }],
    [["::/0"], false, { ok: false }],
    [["203.0.113.7"], false, { ok: false }],
    [["300.0.113.7/32"], false, { ok: false }],
    [["10.0.0.0/33"], false, { ok: false }],
  ])("%j allowPublic=%s", (cidrs, allowPublic, expected) => {
    const plan = planIngress(cidrs, allowPublic);
    expect(plan.ok).toBe(expected.ok);
    if (plan.ok && "cidrs" in expected) expect(plan.rules.map((r) => r.cidr)).toEqual(expected.cidrs);
  });

  it("reports every bad entry, by index", () => {
    const plan = planIngress(["nope", "0.0.0.0/0"], false);
    expect(plan.ok ? [] : plan.errors).toEqual([
      expect.stringMatching(/^allowedCidrs\[0\]/),
      expect.stringMatching(/^allowedCidrs\[1\].*allowPublic/),
    ]);
  });
});

describe("planModelStorage", () => {
  const input: StoragePlanInput = {
    instanceType: "g6.xlarge",
    volumeGiB: 200,
    throughputMiBps: 500,
    iops: 6000,
    snapshotId: undefined,
    initializationRateMiBps: 300,
    preferEbs: false,
  };
  it.each([
    ["g6.xlarge has NVMe", {}, { kind: "instance-store", devices: 1 }],
    [
      "g6.12xlarge stripes 4 devices",
      { instanceType: "g6.12xlarge" },
      { kind: "instance-store", devices: 4 },
    ],
    [
      "p3.2xlarge has none",
      { instanceType: "p3.2xlarge" },
      { kind: "ebs", throughputMiBps: 500, initializationRateMiBps: undefined },
    ],
    ["unknown type", { instanceType: "g6.48xlarge" }, { kind: "ebs" }],
    ["explicit ebs", { preferEbs: true }, { kind: "ebs" }],
    [
      "snapshot wins",
      { snapshotId: "snap-1" },
      { kind: "ebs", snapshotId: "snap-1", initializationRateMiBps: 300 },
    ],
    [
      "limits clamp",
      { preferEbs: true, throughputMiBps: 5000, iops: 99999, volumeGiB: 20 },
      { kind: "ebs", throughputMiBps: 1000, iops: 10000 },
    ],
  ])("%s", (_, override, expected) => {
    expect(planModelStorage({ ...input, ...override })).toMatchObject(expected);
  });
});

describe("parseImageRef", () => {
  it.each([
    [
      "123456789012.dkr.ecr.eu-west-1.amazonaws.com/i2v:latest",
      { region: "eu-west-1", repository: "i2v", accountId: "123456789012" },
    ],
    [
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/i2v@sha256:${"a".repeat(64)}`,
      { repository: "team/i2v" },
    ],
    ["ghcr.io/example/i2v:1.0", undefined],
    ["i2v:local", undefined],
  ])("%s", (uri, ecr) => {
    const ref = parseImageRef(uri);
    expect(ref.uri).toBe(uri);
    if (ecr) expect(ref.ecr).toMatchObject(ecr);
    else expect(ref.ecr).toBeUndefined();
  });
});

describe("boxPolicy", () => {
  it("grants only what was asked, each on its own resource", () => {
    const policy = boxPolicy({
      repositoryArn: "arn:aws:ecr:r:1:repository/x",
      tokenParameterArn: "arn:aws:ssm:r:1:parameter/p",
    });
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      "SessionManager",
      "EcrLogin",
      "EcrPull",
      "ReadApiToken",
    ]);
    const wildcard = policy.Statement.filter((s) => s.Resource === "*").flatMap((s) => s.Action);
    expect(wildcard.filter((a) => !a.startsWith("ssmmessages:"))).toEqual([
      "ssm:UpdateInstanceInformation",
      "ecr:GetAuthorizationToken",
    ]);
    expect(policy.Statement.flatMap((s) => s.Action).some((a) => a.endsWith("*"))).toBe(false);
  });

  it("drops ECR and SSM parameter access when there is nothing to read", () => {
    const policy = boxPolicy({ repositoryArn: undefined, tokenParameterArn: undefined });
    expect(policy.Statement.map((s) => s.Sid)).toEqual(["SessionManager"]);
  });
});

describe("small decisions", () => {
  it("resolves the DLAMI through SSM unless an AMI is pinned", () => {
    expect(amiParameterName(undefined)).toBe(DLAMI_PARAMETER);
    expect(DLAMI_PARAMETER).toContain("base-oss-nvidia-driver-gpu-ubuntu-22.04");
    expect(amiParameterName("ami-123")).toBeUndefined();
  });

  it("stack tags cannot be overridden by user tags", () => {
    expect(stackTags("i2v", "dev", { "i2v:stack": "prod", team: "x" })).toEqual({
      team: "x",
      "i2v:project": "i2v",
      "i2v:stack": "dev",
      ManagedBy: "Pulumi",
    });
  });
});
