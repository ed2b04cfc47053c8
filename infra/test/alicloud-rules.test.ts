import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { MOCK_ACCOUNT, MOCK_ACR_NAME, MOCK_EIP, MOCK_PUBLIC_IMAGE } from "../alicloud/preview-mocks.ts";
import { REQUIRED_TAG_KEYS } from "../decisions/tags.ts";
import type { RawConfig } from "../settings.ts";
import { alicloudTestSettings, CUSTOM_IMAGE_WITH_ACR } from "./support/alicloud-settings.ts";
import {
  installMocks,
  MOCK_TOKEN,
  type RecordedResource,
  resolved,
  settle,
} from "./support/alicloud-test-engine.ts";
import { alicloudView, awsView, type CloudView } from "./support/cloud-views.ts";
import { testSettings } from "./support/settings.ts";

// The reviewer's rules on what each cloud's program declares (Pulumi mocks; no AWS, no Alibaba).

let counter = 0;
let recorded: { resources: RecordedResource[]; calls: string[] };

beforeEach(async () => {
  counter += 1;
  recorded = await installMocks(`ali${counter}`);
});

async function deployAlicloud(overrides: RawConfig = {}) {
  const { createAlicloudStack } = await import("../alicloud/stack.ts");
  const outputs = createAlicloudStack(alicloudTestSettings(overrides), {
    project: "i2v",
    stack: `ali${counter}`,
  });
  await resolved(outputs.smokeCommand);
  await settle(recorded.resources);
  return { outputs, resources: recorded.resources };
}

async function deployAws(overrides: RawConfig = {}) {
  const { createStack } = await import("../stack.ts");
  const outputs = createStack(testSettings(overrides), { project: "i2v", stack: `ali${counter}` });
  await resolved(outputs.smokeCommand);
  await settle(recorded.resources);
  return { outputs, resources: recorded.resources };
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const single = (resources: RecordedResource[], type: string): RecordedResource => {
  const found = ofType(resources, type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
};

/** Types whose provider has no tags argument; the last test proves each really has none. */
const UNTAGGABLE: Record<"aws" | "alicloud", string[]> = {
  aws: [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "aws:ec2/eipAssociation:EipAssociation",
  ],
  alicloud: [
    "alicloud:ecs/securityGroupRule:SecurityGroupRule",
    "alicloud:ecs/ecsDiskAttachment:EcsDiskAttachment",
    "alicloud:ecs/eipAssociation:EipAssociation",
    "alicloud:ecs/ramRoleAttachment:RamRoleAttachment",
    "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment",
    "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace",
    "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo",
    "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc",
    "alicloud:oss/bucketAcl:BucketAcl",
    "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ],
};

// Both clouds, one rule each; settings that create every kind of resource (an EBS volume on AWS).
const clouds: [string, () => Promise<CloudView>][] = [
  [
    "aws",
    async () => awsView((await deployAws({ instanceType: "p3.2xlarge", tags: { team: "video" } })).resources),
  ],
  // The minimal stack: public image with the driver installed at boot, image through the OSS bucket.
  ["alicloud", async () => alicloudView((await deployAlicloud({ tags: { team: "video" } })).resources)],
  [
    "alicloud (custom image, ACR)",
    async () =>
      alicloudView((await deployAlicloud({ ...CUSTOM_IMAGE_WITH_ACR, tags: { team: "video" } })).resources),
  ],
];

describe.each(clouds)("%s: cross-cloud rules", (cloud, view) => {
  it("admits no ingress from 0.0.0.0/0 or ::/0", async () => {
    const v = await view();
    expect(v.ingressCidrs.length).toBeGreaterThan(0);
    for (const cidr of v.ingressCidrs) expect(["0.0.0.0/0", "::/0"]).not.toContain(cidr);
  });

  it("requires metadata tokens on every instance", async () => {
    const v = await view();
    expect(v.metadataTokens).toEqual(["required"]);
  });

  it("encrypts every disk, system disk included", async () => {
    const v = await view();
    expect(v.diskEncryption.length).toBeGreaterThanOrEqual(2);
    for (const disk of v.diskEncryption) expect(disk.encrypted, disk.name).toBe(true);
  });

  it("keeps instance, network and weights disk in one zone", async () => {
    const { instance, network, disk } = (await view()).zones;
    expect(instance).toBeDefined();
    expect([network, disk]).toEqual([instance, instance]);
  });

  it("tags every taggable resource with the stack's tags", async () => {
    const v = await view();
    const taggable = v.cloudResources.filter(
      (r) => !UNTAGGABLE[cloud.startsWith("alicloud") ? "alicloud" : "aws"].includes(r.type),
    );
    expect(taggable.length).toBeGreaterThan(6);
    for (const resource of taggable) {
      const tags = (resource.inputs.tags ?? {}) as Record<string, string>;
      for (const key of [...REQUIRED_TAG_KEYS, "team"])
        expect(tags[key], `${resource.type} ${resource.name} tag ${key}`).toBeDefined();
    }
  });

  it("puts no secret inside user data", async () => {
    const v = await view();
    expect(v.userData).toHaveLength(1);
    for (const text of v.userData) {
      expect(text.startsWith("#cloud-config\n")).toBe(true);
      expect(text).not.toContain(MOCK_TOKEN);
      // Every mocked private key (ours and the preview engine's) says so in its PEM header.
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toMatch(/I2V_TOKEN=[A-Za-z0-9]/);
    }
  });

  it("grants no wildcard action and no all-resources read of secrets", async () => {
    const v = await view();
    expect(v.policies).toHaveLength(1);
    for (const statement of v.policies.flatMap((p) => p.Statement)) {
      const actions = [statement.Action].flat();
      for (const action of actions) expect(action).not.toMatch(/(^\*$|:\*$)/);
      if (
        actions.some((a) => /GetParameter|GetSecretParameter|PullRepository|BatchGetImage|GetObject/.test(a))
      )
        expect([statement.Resource].flat()).not.toContain("*");
    }
  });

  it("exempts only resource types that really have no tags argument", () => {
    const require = createRequire(import.meta.url);
    for (const type of UNTAGGABLE[cloud.startsWith("alicloud") ? "alicloud" : "aws"]) {
      const [, provider, module, name] = /^([a-z]+):([a-z0-9]+)\/([a-zA-Z]+):/.exec(type) ?? [];
      const source = readFileSync(require.resolve(`@pulumi/${provider}/${module}/${name}.js`), "utf8");
      expect(source, type).not.toContain('resourceInputs["tags"]');
    }
  });
});

describe("alicloud: what the stack declares", () => {
  it("with a custom image and ACR: plans a gn7i box, vSwitch, security group, encrypted ESSD, ACR repository, RAM role, secret parameters and certificate", async () => {
    const { resources } = await deployAlicloud(CUSTOM_IMAGE_WITH_ACR);
    const types = new Set(resources.map((r) => r.type));
    for (const type of [
      "alicloud:ecs/instance:Instance",
      "alicloud:vpc/network:Network",
      "alicloud:vpc/switch:Switch",
      "alicloud:ecs/securityGroup:SecurityGroup",
      "alicloud:ecs/securityGroupRule:SecurityGroupRule",
      "alicloud:ecs/ecsDisk:EcsDisk",
      "alicloud:ecs/ecsDiskAttachment:EcsDiskAttachment",
      "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo",
      "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc",
      "alicloud:ram/role:Role",
      "alicloud:ram/policy:Policy",
      "alicloud:ecs/ramRoleAttachment:RamRoleAttachment",
      "alicloud:oos/secretParameter:SecretParameter",
      "alicloud:ecs/eipAddress:EipAddress",
      "alicloud:ecs/eipAssociation:EipAssociation",
      "tls:index/locallySignedCert:LocallySignedCert",
    ])
      expect(types.has(type), type).toBe(true);
    expect([...types].filter((t) => t.startsWith("aws:"))).toEqual([]);
    const instance = single(resources, "alicloud:ecs/instance:Instance");
    expect(instance.inputs).toMatchObject({
      instanceType: "ecs.gn7i-c8g1.2xlarge",
      imageId: "m-bp1pinnedgpuimage",
      instanceChargeType: "PostPaid",
      spotStrategy: "NoSpot",
      httpPutResponseHopLimit: 1,
      systemDiskCategory: "cloud_essd",
      internetMaxBandwidthOut: 0,
    });
  });

  it("opens only the API port, to the listed CIDRs (IPv6 too), and refuses the internet in the component", async () => {
    const { resources } = await deployAlicloud({ allowedCidrs: ["203.0.113.7/32", "2001:db8::/64"] });
    const rules = ofType(resources, "alicloud:ecs/securityGroupRule:SecurityGroupRule");
    expect(rules.map((r) => r.inputs.cidrIp ?? r.inputs.ipv6CidrIp).sort()).toEqual([
      "2001:db8::/64",
      "203.0.113.7/32",
    ]);
    for (const rule of rules)
      expect(rule.inputs).toMatchObject({ type: "ingress", portRange: "7860/7860", ipProtocol: "tcp" });
    const { AlicloudAccess } = await import("../alicloud/components/access.ts");
    expect(
      () => new AlicloudAccess("open", { vpcId: "v", port: 7860, allowedCidrs: ["0.0.0.0/0"], tags: {} }),
    ).toThrow(/allowPublic/);
    expect(
      () => new AlicloudAccess("open6", { vpcId: "v", port: 7860, allowedCidrs: ["::/0"], tags: {} }),
    ).toThrow(/allowPublic/);
  });

  it("puts the box, the vSwitch and the disk in the placement's zone", async () => {
    const { outputs, resources } = await deployAlicloud({ placement: "ecs.gn6i-c8g1.2xlarge@cn-hangzhou-j" });
    expect(single(resources, "alicloud:ecs/instance:Instance").inputs.availabilityZone).toBe("cn-hangzhou-j");
    expect(single(resources, "alicloud:vpc/switch:Switch").inputs.zoneId).toBe("cn-hangzhou-j");
    expect(single(resources, "alicloud:ecs/ecsDisk:EcsDisk").inputs.zoneId).toBe("cn-hangzhou-j");
    expect(outputs.placement).toBe("ecs.gn6i-c8g1.2xlarge@cn-hangzhou-j");
  });

  it("sizes the weights ESSD's performance level from the throughput asked for", async () => {
    const pl1 = single((await deployAlicloud()).resources, "alicloud:ecs/ecsDisk:EcsDisk");
    expect(pl1.inputs).toMatchObject({
      category: "cloud_essd",
      performanceLevel: "PL1",
      size: 200,
      encrypted: true,
    });
    recorded = await installMocks(`ali-pl2-${counter}`);
    const pl2 = single(
      (await deployAlicloud({ modelVolumeThroughputMiBps: 600 })).resources,
      "alicloud:ecs/ecsDisk:EcsDisk",
    );
    expect(pl2.inputs).toMatchObject({ performanceLevel: "PL2" });
    expect(Number(pl2.inputs.size)).toBeGreaterThanOrEqual(461);
  });

  it("asks for spot through spotStrategy only when the market is spot", async () => {
    const spot = single(
      (await deployAlicloud({ market: "spot" })).resources,
      "alicloud:ecs/instance:Instance",
    );
    expect(spot.inputs.spotStrategy).toBe("SpotAsPriceGo");
  });

  it("with ACR: lets the role pull from exactly the stack's repository and read exactly its two secret parameters", async () => {
    const { resources } = await deployAlicloud(CUSTOM_IMAGE_WITH_ACR);
    const trust = JSON.parse(
      String(single(resources, "alicloud:ram/role:Role").inputs.assumeRolePolicyDocument),
    );
    expect(trust.Statement).toEqual([
      { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["ecs.aliyuncs.com"] } },
    ]);
    const policy = JSON.parse(String(single(resources, "alicloud:ram/policy:Policy").inputs.policyDocument));
    const byAction = Object.fromEntries(
      policy.Statement.map((s: { Action: string[]; Resource: string[] }) => [s.Action.join(","), s.Resource]),
    );
    expect(byAction["cr:PullRepository"]).toEqual([
      `acs:cr:cn-hangzhou:${MOCK_ACCOUNT}:repository/cri-mockinstance/i2v-ali${counter}-images/runtime`,
    ]);
    expect(byAction["cr:GetAuthorizationToken"]).toEqual([
      `acs:cr:cn-hangzhou:${MOCK_ACCOUNT}:instance/cri-mockinstance`,
    ]);
    expect(byAction["oos:GetSecretParameter"]).toEqual([
      `acs:oos:cn-hangzhou:${MOCK_ACCOUNT}:secretparameter/i2v-ali${counter}-api-token`,
      `acs:oos:cn-hangzhou:${MOCK_ACCOUNT}:secretparameter/i2v-ali${counter}-tls-key`,
    ]);
    const attachments = ofType(resources, "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment");
    expect(attachments.map((a) => a.inputs.policyType)).toEqual(["Custom"]);
  });

  it("hands the token and the TLS key over as OOS secret parameters, named (not valued) in user data", async () => {
    const { outputs, resources } = await deployAlicloud();
    const parameters = ofType(resources, "alicloud:oos/secretParameter:SecretParameter");
    expect(parameters.map((p) => p.inputs.type)).toEqual(["Secret", "Secret"]);
    // Marked secret by the program: Pulumi's wire envelope, or "[secret]" once a listing redacted it.
    for (const p of parameters)
      expect(pulumi.runtime.isRpcSecret(p.inputs.value) || p.inputs.value === "[secret]", p.name).toBe(true);
    const userData = alicloudView(resources).userData[0] as string;
    expect(userData).toContain(`TOKEN_PARAMETER='i2v-ali${counter}-api-token'`);
    expect(userData).toContain(`TLS_KEY_PARAMETER='i2v-ali${counter}-tls-key'`);
    expect(userData).toMatch(/MockServerCert|MOCK CERTIFICATE/);
    expect(await pulumi.isSecret(outputs.apiToken as pulumi.Output<string>)).toBe(true);
    expect(await resolved(outputs.apiToken)).toBe(MOCK_TOKEN);
  });

  it("issues the certificate for the elastic IP (known before the box) and serves HTTPS there", async () => {
    const { outputs, resources } = await deployAlicloud();
    const request = single(resources, "tls:index/certRequest:CertRequest");
    expect(request.inputs.ipAddresses).toEqual([MOCK_EIP, "127.0.0.1"]);
    expect(await resolved(outputs.endpointUrl)).toBe(`https://${MOCK_EIP}:7860`);
    expect(await resolved(outputs.smokeCommand)).toContain("--ca i2v-ca.pem");
    expect(single(resources, "alicloud:ecs/eipAssociation:EipAssociation").inputs.instanceType).toBe(
      "EcsInstance",
    );
  });

  it("with ACR: pulls the image over the VPC endpoint, and pushes through the public one", async () => {
    const { outputs, resources } = await deployAlicloud(CUSTOM_IMAGE_WITH_ACR);
    const vpcHost = `${MOCK_ACR_NAME}-registry-vpc.cn-hangzhou.cr.aliyuncs.com`;
    expect(await resolved(outputs.imageUri)).toBe(`${vpcHost}/i2v-ali${counter}-images/runtime:latest`);
    expect(await resolved(outputs.repositoryUrl)).toMatch(
      /^i2vreg-registry\.cn-hangzhou\.cr\.aliyuncs\.com\//,
    );
    const userData = alicloudView(resources).userData[0] as string;
    expect(userData).toContain(`REGISTRY='${vpcHost}'`);
    expect(single(resources, "alicloud:cr/vpcEndpointLinkedVpc:VpcEndpointLinkedVpc").inputs).toMatchObject({
      moduleName: "Registry",
      enableCreateDnsRecordInPvzt: true,
    });
  });

  it("with imageUri and requireToken false: no repository, no token, only the TLS key is readable", async () => {
    const { outputs, resources } = await deployAlicloud({
      imageUri: "registry.example.cn/i2v:1.0",
      requireToken: false,
    });
    expect(ofType(resources, "alicloud:cs/registryEnterpriseRepo:RegistryEnterpriseRepo")).toEqual([]);
    expect(ofType(resources, "alicloud:oos/secretParameter:SecretParameter")).toHaveLength(1);
    expect(outputs.apiToken).toBeUndefined();
    const policy = String(single(resources, "alicloud:ram/policy:Policy").inputs.policyDocument);
    expect(policy).not.toContain("cr:");
    expect(policy).toContain("tls-key");
  });

  it("with nothing but region, types, zones and CIDRs: boots the public image the program found, pinned, and installs the GPU stack at boot", async () => {
    const { outputs, resources } = await deployAlicloud();
    expect(recorded.calls).toContain("alicloud:ecs/getImages:getImages");
    const instance = single(resources, "alicloud:ecs/instance:Instance");
    expect(instance.inputs.imageId).toBe(MOCK_PUBLIC_IMAGE.id);
    expect(String(instance.inputs.imageId)).not.toMatch(/replace-with/);
    expect(await resolved(outputs.gpuImage)).toContain(MOCK_PUBLIC_IMAGE.name);
    const userData = alicloudView(resources).userData[0] as string;
    expect(userData).toContain("HOST_SETUP='install'");
    expect(userData).toContain("DRIVER_BRANCH='580-server'");
    // With i2v:imageId the box checks instead of installing, and nothing is looked up.
    recorded = await installMocks(`ali-custom-${counter}`);
    const custom = await deployAlicloud(CUSTOM_IMAGE_WITH_ACR);
    expect(single(custom.resources, "alicloud:ecs/instance:Instance").inputs.imageId).toBe(
      "m-bp1pinnedgpuimage",
    );
    expect(alicloudView(custom.resources).userData[0]).toContain("HOST_SETUP='check'");
    expect(recorded.calls).not.toContain("alicloud:ecs/getImages:getImages");
  });

  it("pins the looked-up image in state (ignoreChanges), so a newer public image does not replace the box", async () => {
    const { AlicloudGpuBox } = await import("../alicloud/components/gpu-box.ts");
    // Resource options never reach the mock engine; a transformation sees each child's options.
    const seen: Record<string, string[] | undefined> = {};
    const box = (pin: boolean) =>
      new AlicloudGpuBox(
        `pin-${pin}`,
        {
          instanceType: "ecs.gn7i-c8g1.2xlarge",
          zone: "cn-hangzhou-i",
          vswitchId: "vsw",
          securityGroupIds: [],
          imageId: "m-1",
          pinLookedUpImage: pin,
          userData: "",
          roleName: "r",
          tags: {},
        },
        {
          transformations: [
            (args) => {
              if (args.type === "alicloud:ecs/instance:Instance") seen[args.name] = args.opts.ignoreChanges;
              return undefined;
            },
          ],
        },
      );
    box(true);
    box(false);
    await settle(recorded.resources);
    expect(seen["pin-true-instance"]).toEqual(["imageId"]);
    expect(seen["pin-false-instance"]).toBeUndefined();
  });

  it("without acrInstanceId: no ACR Enterprise resource; the image travels through a private, encrypted bucket only the role can read", async () => {
    const { outputs, resources } = await deployAlicloud();
    expect(resources.filter((r) => /alicloud:(cs|cr)\//.test(r.type))).toEqual([]);
    expect(recorded.calls).not.toContain(
      "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances",
    );
    const bucket = single(resources, "alicloud:oss/bucket:Bucket");
    const name = `i2v-ali${counter}-img-${MOCK_ACCOUNT}`;
    expect(bucket.inputs).toMatchObject({
      bucket: name,
      serverSideEncryptionRule: { sseAlgorithm: "AES256" },
    });
    expect(single(resources, "alicloud:oss/bucketAcl:BucketAcl").inputs.acl).toBe("private");
    expect(
      single(resources, "alicloud:oss/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
        .blockPublicAccess,
    ).toBe(true);
    const policy = JSON.parse(String(single(resources, "alicloud:ram/policy:Policy").inputs.policyDocument));
    const oss = policy.Statement.filter((s: { Action: string[] }) =>
      s.Action.some((a) => a.startsWith("oss:")),
    );
    expect(oss).toEqual([
      { Effect: "Allow", Action: ["oss:GetObject"], Resource: [`acs:oss:*:${MOCK_ACCOUNT}:${name}/*`] },
    ]);
    expect(JSON.stringify(policy)).not.toContain("cr:");
    const userData = alicloudView(resources).userData[0] as string;
    expect(userData).toContain(`ARCHIVE_BUCKET='${name}'`);
    expect(userData).toContain("OSS_ENDPOINT='oss-cn-hangzhou-internal.aliyuncs.com'");
    expect(userData).toContain("ARCHIVE_OBJECT='images/runtime-latest.tar.gz'");
    expect(await resolved(outputs.imageUri)).toBe("i2v-local/runtime:latest");
    expect(await resolved(outputs.pushCommand)).toMatch(
      new RegExp(`^npm run push-image -- --archive \\S+ --to oss://${name}/images/runtime-latest\\.tar\\.gz`),
    );
  });

  it("refuses a non-GPU type in the component itself", async () => {
    const { AlicloudGpuBox } = await import("../alicloud/components/gpu-box.ts");
    expect(
      () =>
        new AlicloudGpuBox("cpu", {
          instanceType: "ecs.g7.xlarge",
          zone: "cn-hangzhou-i",
          vswitchId: "vsw",
          securityGroupIds: [],
          imageId: "m-1",
          userData: "",
          roleName: "r",
          tags: {},
        }),
    ).toThrow(/not an NVIDIA GPU/);
  });
});
