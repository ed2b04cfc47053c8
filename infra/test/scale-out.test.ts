import { gunzipSync } from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import type { ListedResource } from "../preview/listing.ts";
import { installMocks, MOCK_TOKEN, type Recording, resolved, settle } from "../preview/mock-engine.ts";
import type { RawConfig } from "../settings.ts";
import { testSettings } from "./support/settings.ts";

// The scale-out's rules, on the listing `deploy-plan --resources` prints (Pulumi mocks, no AWS).

let counter = 0;
let recorded: Recording;
beforeEach(async () => {
  counter += 1;
  recorded = await installMocks(`scale${counter}`);
});

const WORKERS = { min: 0, max: 4, targetBacklogPerWorker: 2 };

async function deploy(overrides: RawConfig = {}) {
  const { createStack } = await import("../stack.ts");
  const outputs = createStack(
    testSettings({ fallbackInstanceTypes: ["g5.xlarge", "g6e.xlarge"], workers: WORKERS, ...overrides }),
    { project: "i2v", stack: `scale${counter}` },
  );
  await resolved(outputs.smokeCommand);
  await settle(recorded.resources);
  return { outputs, resources: recorded.resources };
}

const ofType = (resources: ListedResource[], type: string) => resources.filter((r) => r.type === type);
function single(resources: ListedResource[], type: string): ListedResource {
  const found = ofType(resources, type);
  expect(found, type).toHaveLength(1);
  return found[0] as ListedResource;
}
const named = (resources: ListedResource[], name: string) => {
  const found = resources.find((r) => r.name === name);
  expect(found, name).toBeDefined();
  return found as ListedResource;
};
const unpack = (base64: unknown) => gunzipSync(Buffer.from(String(base64), "base64")).toString("utf8");
const policyOf = (resources: ListedResource[], name: string) =>
  JSON.parse(String(named(resources, name).inputs.policy)) as {
    Statement: { Sid: string; Action: string[]; Resource: string | string[]; Condition?: unknown }[];
  };

describe("the workers' Auto Scaling group", () => {
  it("may scale to zero, launches every fallback type, and drains through a terminate hook", async () => {
    const { resources } = await deploy();
    const group = single(resources, "aws:autoscaling/group:Group");
    expect(group.inputs).toMatchObject({ minSize: 0, maxSize: 4, name: `i2v-scale${counter}-workers` });
    expect(group.inputs.desiredCapacity).toBeUndefined();
    const mixed = group.inputs.mixedInstancesPolicy as {
      launchTemplate: { overrides: { instanceType: string }[] };
      instancesDistribution: Record<string, unknown>;
    };
    expect(mixed.launchTemplate.overrides.map((o) => o.instanceType)).toEqual([
      "g6.xlarge",
      "g5.xlarge",
      "g6e.xlarge",
    ]);
    expect(mixed.instancesDistribution).toMatchObject({ onDemandPercentageAboveBaseCapacity: 100 });
    const hooks = group.inputs.initialLifecycleHooks as {
      name: string;
      lifecycleTransition: string;
      heartbeatTimeout: number;
    }[];
    expect(hooks).toEqual([
      expect.objectContaining({
        name: "i2v-drain",
        lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        defaultResult: "CONTINUE",
      }),
    ]);
    expect(hooks[0]?.heartbeatTimeout).toBeGreaterThan(600); // longer than the default drain
    expect(group.inputs.warmPool).toBeUndefined();
  });

  it("buys spot above an on-demand base, and keeps a warm pool with a launch hook when asked", async () => {
    const { resources } = await deploy({ workers: { ...WORKERS, spot: true, onDemandBase: 1, warmPool: 2 } });
    const group = single(resources, "aws:autoscaling/group:Group");
    expect(
      (group.inputs.mixedInstancesPolicy as { instancesDistribution: unknown }).instancesDistribution,
    ).toEqual({
      onDemandAllocationStrategy: "prioritized",
      onDemandBaseCapacity: 1,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: "price-capacity-optimized",
    });
    expect(group.inputs.capacityRebalance).toBe(true);
    expect(group.inputs.warmPool).toMatchObject({ poolState: "Stopped", minSize: 2 });
    const hooks = (group.inputs.initialLifecycleHooks as { name: string }[]).map((h) => h.name);
    expect(hooks).toEqual(["i2v-drain", "i2v-prepared"]);
    const template = single(resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(unpack(template.inputs.userData)).toContain("LAUNCH_HOOK='i2v-prepared'");
  });

  it("launches from a template with IMDSv2 only, encrypted volumes and the worker boot", async () => {
    const { resources } = await deploy({ instanceType: "p3.2xlarge", fallbackInstanceTypes: ["g6.xlarge"] });
    const template = single(resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.inputs.metadataOptions).toMatchObject({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    const devices = template.inputs.blockDeviceMappings as {
      deviceName: string;
      ebs: { encrypted: string };
    }[];
    // p3 has no instance store, so every worker gets an encrypted gp3 for the weights.
    expect(devices.map((d) => d.deviceName)).toEqual(["/dev/sda1", "/dev/sdf"]);
    for (const device of devices) expect(device.ebs.encrypted).toBe("true");
    const packed = Buffer.from(String(template.inputs.userData), "base64");
    expect(packed.length).toBeLessThan(16 * 1024);
    const userData = unpack(template.inputs.userData);
    for (const text of ["ROLE='worker'", "'I2V_ROLE=worker'", "STORAGE='ebs'", "TERMINATE_HOOK='i2v-drain'"])
      expect(userData).toContain(text);
    expect(userData).toContain("/etc/systemd/system/i2v-lifecycle.service");
    expect(userData).toMatch(/QUEUE_URL_PARAMETER='\/i2v\/scale\d+\/queue-url'/);
    expect(userData).not.toMatch(/rediss:\/\/|MockToken|PRIVATE KEY/);
    expect(userData).not.toContain(MOCK_TOKEN);
  });
});

describe("scaling policies", () => {
  it("tracks BacklogPerWorker in the stack's namespace and wakes the group from zero on Backlog", async () => {
    const { resources } = await deploy({ metricsNamespace: "video-prod" });
    const tracking = named(resources, "i2v-workers-backlog-tracking");
    expect(tracking.inputs).toMatchObject({
      policyType: "TargetTrackingScaling",
      targetTrackingConfiguration: {
        targetValue: 2,
        customizedMetricSpecification: {
          metricName: "BacklogPerWorker",
          namespace: "video-prod",
          metricDimensions: [{ name: "Stack", value: `scale${counter}` }],
        },
      },
    });
    const wake = named(resources, "i2v-workers-wake");
    expect(wake.inputs).toMatchObject({ policyType: "StepScaling", adjustmentType: "ChangeInCapacity" });
    const alarm = single(resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
    const queries = alarm.inputs.metricQueries as {
      id: string;
      expression?: string;
      metric?: Record<string, unknown>;
    }[];
    expect(queries.find((q) => q.id === "backlog")?.metric).toMatchObject({
      metricName: "Backlog",
      namespace: "video-prod",
      dimensions: { Stack: `scale${counter}` },
    });
    expect(queries.find((q) => q.id === "desired")?.metric).toMatchObject({
      metricName: "GroupDesiredCapacity",
    });
    expect(queries.find((q) => q.id === "wake")?.expression).toBe("IF(backlog >= 1 AND desired == 0, 1, 0)");
    expect(String((alarm.inputs.alarmActions as string[])[0])).toContain("i2v-workers-wake");
  });
});

describe("queue and storage", () => {
  it("runs Valkey node-based in the VPC with TLS, encryption, an auth token and noeviction", async () => {
    const { outputs, resources } = await deploy();
    const valkey = single(resources, "aws:elasticache/replicationGroup:ReplicationGroup");
    expect(valkey.inputs).toMatchObject({
      engine: "valkey",
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: "[secret]",
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
    });
    const params = single(resources, "aws:elasticache/parameterGroup:ParameterGroup");
    expect(params.inputs.parameters).toEqual([{ name: "maxmemory-policy", value: "noeviction" }]);
    const url = named(resources, "i2v-queue-url");
    expect(url.inputs).toMatchObject({ type: "SecureString", value: "[secret]" });
    expect(await resolved(outputs.queueEndpoint as never)).toMatch(/:6379$/);
  });

  it("lets only the API's and the workers' security groups reach Valkey", async () => {
    const { resources } = await deploy();
    const groups = Object.fromEntries(
      ofType(resources, "aws:ec2/securityGroup:SecurityGroup").map((g) => [g.name, `${g.name}-id`]),
    );
    const queueRules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => r.inputs.securityGroupId === groups["i2v-queue-sg"],
    );
    expect(queueRules.map((r) => r.inputs.referencedSecurityGroupId).sort()).toEqual(
      [groups["i2v-api-net-sg"], groups["i2v-worker-net-sg"]].sort(),
    );
    for (const rule of queueRules) {
      expect([rule.inputs.fromPort, rule.inputs.toPort]).toEqual([6379, 6379]);
      expect(rule.inputs.cidrIpv4 ?? rule.inputs.cidrIpv6).toBeUndefined();
    }
  });

  it("keeps jobs in an encrypted, non-public, TLS-only bucket whose objects expire", async () => {
    const { resources } = await deploy({ resultsExpireDays: 3 });
    const sse = single(
      resources,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    );
    expect(sse.inputs.rules).toEqual([
      expect.objectContaining({ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }),
    ]);
    expect(single(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const lifecycle = single(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(lifecycle.inputs.rules).toEqual([
      expect.objectContaining({ status: "Enabled", filter: { prefix: "jobs/" }, expiration: { days: 3 } }),
    ]);
    const policy = JSON.parse(String(single(resources, "aws:s3/bucketPolicy:BucketPolicy").inputs.policy));
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });
});

describe("network and IAM", () => {
  it("has no world-open ingress and no ingress to the workers at all", async () => {
    const { resources } = await deploy();
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    for (const rule of rules)
      expect(["0.0.0.0/0", "::/0"]).not.toContain(rule.inputs.cidrIpv4 ?? rule.inputs.cidrIpv6);
    expect(rules.filter((r) => r.inputs.securityGroupId === "i2v-worker-net-sg-id")).toEqual([]);
    const apiRules = rules.filter((r) => r.inputs.securityGroupId === "i2v-api-net-sg-id");
    expect(apiRules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort])).toEqual([["203.0.113.7/32", 7860]]);
  });

  it("gives each role only what it needs", async () => {
    const { resources } = await deploy({ metricsNamespace: "video-prod" });
    const api = policyOf(resources, "i2v-api-policy");
    const worker = policyOf(resources, "i2v-workers-policy");
    const sids = (p: typeof api) => p.Statement.map((s) => s.Sid).sort();
    expect(sids(api)).toEqual(
      [
        "EcrLogin",
        "EcrPull",
        "JobObjects",
        "ListJobs",
        "PublishBacklogMetrics",
        "ReadApiToken",
        "ReadQueueUrl",
        "ReadTlsMaterial",
        "SessionManager",
      ].sort(),
    );
    expect(sids(worker)).toEqual(
      [
        "DrainHook",
        "EcrLogin",
        "EcrPull",
        "JobObjects",
        "ListJobs",
        "ReadApiToken",
        "ReadQueueUrl",
        "SessionManager",
      ].sort(),
    );
    const metrics = api.Statement.find((s) => s.Sid === "PublishBacklogMetrics");
    expect(metrics?.Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "video-prod" } });
    const objects = worker.Statement.find((s) => s.Sid === "JobObjects");
    expect(objects?.Action).toEqual(["s3:GetObject", "s3:PutObject"]);
    expect(objects?.Resource).toMatch(/^arn:aws:s3:::.+\/jobs\/\*$/);
    expect(worker.Statement.find((s) => s.Sid === "DrainHook")?.Resource).toMatch(
      /^arn:aws:autoscaling:.*i2v-workers-group/,
    );
    for (const p of [api, worker]) {
      for (const s of p.Statement)
        for (const action of s.Action) expect(action, s.Sid).not.toMatch(/(^|:)\*$/);
      for (const s of p.Statement)
        if (s.Resource === "*")
          expect(
            s.Action.every((a) =>
              /^(ssm:UpdateInstanceInformation|ssmmessages:|ecr:GetAuthorizationToken|cloudwatch:PutMetricData)/.test(
                a,
              ),
            ),
            s.Sid,
          ).toBe(true);
    }
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
  });

  it("puts the API on a small CPU instance with HTTPS, IMDSv2 and an encrypted root", async () => {
    const { outputs, resources } = await deploy();
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(instance.inputs).toMatchObject({
      instanceType: "t3.small",
      metadataOptions: { httpTokens: "required" },
      rootBlockDevice: { encrypted: true },
    });
    const userData = unpack(instance.inputs.userDataBase64);
    expect(userData).toContain("ROLE='api'");
    expect(userData).toContain("'I2V_METRICS_NAMESPACE=i2v'");
    expect(userData).toMatch(/'I2V_STORAGE=s3:\/\/.+\/jobs'/);
    expect(userData).toContain("TLS_KEY_PARAMETER=");
    expect(await resolved(outputs.endpointUrl)).toBe("https://203.0.113.20:7860");
  });

  it("without i2v:workers, stays the single box", async () => {
    const { resources } = await deploy({ workers: undefined });
    expect(ofType(resources, "aws:autoscaling/group:Group")).toEqual([]);
    expect(ofType(resources, "aws:elasticache/replicationGroup:ReplicationGroup")).toEqual([]);
    expect(single(resources, "aws:ec2/instance:Instance").inputs.instanceType).toBe("g6.xlarge");
  });
});

describe("tags", () => {
  const UNTAGGABLE = new Set([
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ec2/eipAssociation:EipAssociation",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:autoscaling/policy:Policy",
  ]);

  it("tags every taggable scale-out resource (the group as AWS's key/value list)", async () => {
    const { resources } = await deploy({ tags: { team: "video" } });
    const taggable = resources.filter((r) => r.type.startsWith("aws:") && !UNTAGGABLE.has(r.type));
    expect(taggable.length).toBeGreaterThan(20);
    for (const resource of taggable) {
      const raw = resource.inputs.tags as
        | Record<string, string>
        | { key: string; value: string }[]
        | undefined;
      const tags = Array.isArray(raw) ? Object.fromEntries(raw.map((t) => [t.key, t.value])) : (raw ?? {});
      for (const key of ["i2v:project", "i2v:stack", "ManagedBy", "team"])
        expect(tags[key], `${resource.type} ${resource.name} tag ${key}`).toBeDefined();
    }
  });
});
