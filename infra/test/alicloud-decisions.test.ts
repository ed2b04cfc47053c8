import { describe, expect, it } from "vitest";
import { alicloudFailureKind, classifyAlicloudFailure } from "../alicloud/capacity-errors.ts";
import { isAlicloudGpuType } from "../alicloud/catalog.ts";
import { essdThroughputMBps, planEssd } from "../alicloud/essd.ts";
import { alicloudCandidates } from "../alicloud/placement.ts";
import { weightsSources } from "../alicloud/weights-sources.ts";
import { deployWithFallbacks } from "../capacity/fallback.ts";
import { formatPlacement, parsePlacement } from "../decisions/capacity.ts";
import { normalizeSettings } from "../settings.ts";
import { alicloudTestSettings } from "./support/alicloud-settings.ts";

/** How Pulumi reports a failed ECS create: the provider's error with Alibaba's code inside. */
const pulumiError = (code: string, message: string) =>
  `error: 1 error occurred:\n\t* creating urn:pulumi:dev::i2v::alicloud:ecs/instance:Instance::i2v-box-instance: ` +
  `[ERROR] terraform-provider-alicloud/alicloud/resource_alicloud_instance.go:1021: Resource alicloud_instance RunInstances Failed!!! ` +
  `[SDK alibaba-cloud-sdk-go ERROR]:\nSDKError:\n   StatusCode: 403\n   Code: ${code}\n   Message: code: 403, ${message}\n`;

describe("Alibaba error codes, case by case", () => {
  it.each([
    ["OperationDenied.NoStock", "The requested resource is sold out in the specified zone", "capacity"],
    ["Zone.NotOnSale", "The specified zone is not available for purchase", "unsupported"],
    ["InvalidResourceType.NotSupported", "This resource type is not supported", "unsupported"],
    ["InstanceType.Offline", "The instance type is offline", "unsupported"],
    ["QuotaExceed.ElasticQuota", "The quota of vCPUs for the instance family is exceeded", "quota"],
    [
      "RealNameAuthenticationError",
      "Your account has not passed the real-name authentication yet",
      "account",
    ],
    ["InvalidAccountStatus.NotEnoughBalance", "Your account does not have enough balance", "account"],
    ["Account.Arrearage", "Your account has an outstanding payment", "account"],
    ["InvalidParameter", "The specified parameter is not valid", "other"],
  ])("%s -> %s", (code, message, kind) => {
    const failure = classifyAlicloudFailure(pulumiError(code, message));
    expect(failure.kind).toBe(kind);
    if (kind === "quota" || kind === "account") expect(failure.hint?.length).toBeGreaterThan(30);
    if (kind === "other") expect(failure.code).toBeUndefined();
  });

  it("says what to do for each account stop", () => {
    expect(classifyAlicloudFailure(pulumiError("QuotaExceed.ElasticQuota", "")).hint).toMatch(/Quota Center/);
    expect(classifyAlicloudFailure(pulumiError("RealNameAuthenticationError", "")).hint).toMatch(/real-name/);
    expect(classifyAlicloudFailure("insufficient balance on the account").hint).toMatch(/top up/);
  });

  it("the fallback driver moves on past NoStock and NotOnSale, and stops at the first account error", async () => {
    const settings = alicloudTestSettings({ fallbackInstanceTypes: ["ecs.gn6i-c8g1.2xlarge"] });
    const candidates = alicloudCandidates(settings);
    const answers = [
      pulumiError("OperationDenied.NoStock", "sold out"),
      pulumiError("Zone.NotOnSale", "not on sale"),
      pulumiError("RealNameAuthenticationError", "not verified"),
    ];
    const tried: string[] = [];
    const result = await deployWithFallbacks(
      candidates,
      async (c) => {
        tried.push(formatPlacement(c));
        throw new Error(answers[tried.length - 1] ?? "unexpected");
      },
      undefined,
      alicloudFailureKind,
    );
    expect(result.deployed).toBeUndefined();
    expect(tried).toEqual([
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i",
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-j",
      "ecs.gn6i-c8g1.2xlarge@cn-hangzhou-i",
    ]);
    expect(result.attempts.map((a) => a.outcome)).toEqual(["capacity", "unsupported", "quota"]);
  });
});

describe("ESSD performance level from the throughput the weights need", () => {
  it("follows Alibaba's per-level formulas and caps", () => {
    expect(essdThroughputMBps("PL0", 200)).toBe(150);
    expect(essdThroughputMBps("PL0", 1000)).toBe(180);
    expect(essdThroughputMBps("PL1", 200)).toBe(220);
    expect(essdThroughputMBps("PL1", 2000)).toBe(350);
    expect(essdThroughputMBps("PL2", 400)).toBe(0); // below PL2's minimum size
    expect(essdThroughputMBps("PL3", 20000)).toBe(4000);
  });

  it.each([
    [150, 200, "PL0", 200],
    [210, 200, "PL1", 200],
    [350, 200, "PL1", 460],
    [600, 200, "PL2", 960],
    [1000, 200, "PL3", 1760],
    [9000, 200, "PL3", 7760],
  ])("needs %d MB/s at %d GiB -> %s at %d GiB", (need, size, level, grown) => {
    const plan = planEssd(need, size);
    expect([plan.level, plan.sizeGiB]).toEqual([level, grown]);
    expect(plan.throughputMBps).toBeGreaterThanOrEqual(Math.min(need, 4000));
  });
});

describe("alicloud settings", () => {
  const valid = {
    cloud: "alicloud",
    region: "cn-hangzhou",
    zones: ["cn-hangzhou-i"],
    allowedCidrs: ["203.0.113.7/32"],
    imageId: "m-1",
    acrInstanceId: "cri-1",
  };

  it("defaults to a gn7i type and a PL1-sized throughput, and reads alicloud:region", () => {
    const result = normalizeSettings(valid);
    expect(result.ok && result.settings).toMatchObject({
      cloud: "alicloud",
      instanceType: "ecs.gn7i-c8g1.2xlarge",
      modelVolumeThroughputMiBps: 200,
    });
    const aws = normalizeSettings({ region: "us-east-1" });
    expect(aws.ok && [aws.settings.cloud, aws.settings.instanceType]).toEqual(["aws", "g6.xlarge"]);
  });

  it("lists every missing or AWS-only key at once, with what to do", () => {
    const result = normalizeSettings({
      cloud: "alicloud",
      instanceType: "g6.xlarge",
      subnetId: "subnet-1",
      // The old example's placeholders: refused, naming the key (a public image and OSS need neither).
      imageId: "m-replace-with-your-gpu-image",
      acrInstanceId: "cri-replace-with-your-instance",
    });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : result.errors.join("\n");
    expect(text).toMatch(/alicloud:region: required.*cn-hangzhou/);
    expect(text).toMatch(/g6\.xlarge is (not an Alibaba NVIDIA GPU type|a type of the other cloud)/);
    expect(text).toMatch(/zones: required on alicloud/);
    expect(text).toMatch(/imageId: "m-replace-with-your-gpu-image" is the example's placeholder/);
    expect(text).toMatch(/acrInstanceId: "cri-replace-with-your-instance" is the example's placeholder/);
    expect(text).toMatch(/allowedCidrs: required on alicloud/);
    expect(text).toMatch(/subnetId: an AWS setting/);
  });

  it("needs no image and no registry: region, type, zones and CIDRs are enough", () => {
    const { imageId, acrInstanceId, ...minimal } = valid;
    expect([imageId, acrInstanceId]).toEqual(["m-1", "cri-1"]);
    const result = normalizeSettings(minimal);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("refuses a mistyped instance type, naming the key and the type meant", () => {
    const typo = normalizeSettings({ ...valid, fallbackInstanceTypes: ["ecs.gn7i-c8g1.2xlargee"] });
    expect(typo.ok ? [] : typo.errors).toEqual([
      "fallbackInstanceTypes[0]: ecs.gn7i-c8g1.2xlargee is not a known alicloud instance type; did you mean ecs.gn7i-c8g1.2xlarge?",
    ]);
    const aws = normalizeSettings({ region: "us-east-1", instanceType: "g6.xlargee" });
    expect(aws.ok ? [] : aws.errors).toEqual([
      "instanceType: g6.xlargee is not a known aws instance type; did you mean g6.xlarge?",
    ]);
    const far = normalizeSettings({ region: "us-east-1", instanceType: "g5.metal" });
    expect(far.ok ? "" : far.errors.join("\n")).toMatch(
      /^instanceType: g5\.metal is not in the aws catalog \(known: g4dn\.xlarge, .*\); add it to infra\/catalog\/instance-types\.ts/,
    );
  });

  it("refuses a zone of another region and a non-GPU family", () => {
    const result = normalizeSettings({ ...valid, zones: ["cn-beijing-a"], instanceType: "ecs.g7.xlarge" });
    const text = result.ok ? "" : result.errors.join("\n");
    expect(text).toMatch(/cn-beijing-a is not a zone of cn-hangzhou/);
    expect(text).toMatch(/ecs\.g7\.xlarge is not an Alibaba NVIDIA GPU type/);
  });

  it("parses Alibaba placements (two dots in the type) and knows the three families", () => {
    expect(parsePlacement("ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i")).toEqual({
      instanceType: "ecs.gn7i-c8g1.2xlarge",
      zone: "cn-hangzhou-i",
    });
    expect(parsePlacement("g6.xlarge@us-east-1b")).toEqual({ instanceType: "g6.xlarge", zone: "us-east-1b" });
    for (const t of ["ecs.gn6i-c4g1.xlarge", "ecs.gn7i-c8g1.2xlarge", "ecs.gn7e-c16g1.4xlarge"])
      expect(isAlicloudGpuType(t), t).toBe(true);
    for (const t of ["ecs.g7.xlarge", "ecs.gn5-c4g1.xlarge", "g6.xlarge"])
      expect(isAlicloudGpuType(t), t).toBe(false);
  });

  it("tries every type in every zone, types in preference order, never unpinned", () => {
    const candidates = alicloudCandidates(
      alicloudTestSettings({ fallbackInstanceTypes: ["ecs.gn6i-c4g1.xlarge"] }),
    );
    expect(candidates.map(formatPlacement)).toEqual([
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i",
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-j",
      "ecs.gn6i-c4g1.xlarge@cn-hangzhou-i",
      "ecs.gn6i-c4g1.xlarge@cn-hangzhou-j",
    ]);
  });
});

describe("weights sources on Alibaba", () => {
  it("ModelScope twin first (marked unverified), then hf-mirror; a pinned mirror alone; none when baked", () => {
    expect(weightsSources("ali-vilab/i2vgen-xl", undefined).map((s) => [s.mirror, s.ref])).toEqual([
      ["modelscope", "iic/i2vgen-xl"],
      ["hf-mirror", "ali-vilab/i2vgen-xl"],
    ]);
    expect(weightsSources("ali-vilab/i2vgen-xl", undefined)[0]?.note).toMatch(/unverified/);
    expect(weightsSources("someone/other-model@v1", undefined).map((s) => s.mirror)).toEqual(["hf-mirror"]);
    expect(weightsSources("ali-vilab/i2vgen-xl", "hf-mirror")).toHaveLength(1);
    expect(weightsSources("baked", undefined)).toEqual([]);
  });
});

describe("npm run deploy: one driver, the stack's cloud decides", () => {
  it("alicloud: candidates by zone, Alibaba's classifier, and the account hint from the error itself", async () => {
    const { deployTarget } = await import("../capacity/deploy-target.ts");
    const target = deployTarget(alicloudTestSettings());
    expect(target.candidates.every((c) => c.zone !== undefined)).toBe(true);
    const message = pulumiError("RealNameAuthenticationError", "not verified");
    expect(target.classify(message)).toBe("quota");
    expect(target.hint({ placement: "x", outcome: "quota" }, message)).toMatch(/real-name verification/);
    expect(target.classify(pulumiError("OperationDenied.NoStock", ""))).toBe("capacity");
    expect(target.hint({ placement: "x", outcome: "capacity" }, "")).toMatch(/fallbackInstanceTypes/);
  });

  it("aws: unchanged (unpinned first, EC2's codes)", async () => {
    const { deployTarget } = await import("../capacity/deploy-target.ts");
    const aws = normalizeSettings({ region: "us-east-1" });
    if (!aws.ok) throw new Error("aws settings");
    const target = deployTarget(aws.settings);
    expect(target.candidates[0]).toEqual({ instanceType: "g6.xlarge", zone: undefined });
    expect(target.classify("InsufficientInstanceCapacity")).toBe("capacity");
    expect(target.classify(pulumiError("OperationDenied.NoStock", ""))).toBe("other");
    expect(target.hint({ placement: "x", outcome: "quota" }, "")).toMatch(/Service Quotas/);
  });
});
