import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { isGpuInstanceType } from "../decisions/gpu-family.ts";
import { REQUIRED_TAG_KEYS } from "../decisions/tags.ts";
import type { ListedResource as RecordedResource } from "../preview/listing.ts";
import { installMocks, MOCK_TOKEN, type Recording, resolved, settle } from "../preview/mock-engine.ts";
import type { RawConfig } from "../settings.ts";
import { testSettings } from "./support/settings.ts";

// The reviewer's rules, checked on what the program actually declares, in the same listing
// `npm run deploy-plan -- --resources` prints (Pulumi mocks, no AWS; secrets as "[secret]").

let stackCounter = 0;
let recorded: Recording;

beforeEach(async () => {
  stackCounter += 1;
  recorded = await installMocks(`test${stackCounter}`);
});

async function deploy(overrides: RawConfig = {}) {
  // Import after the mocks are installed, as Pulumi's testing guide asks.
  const { createStack } = await import("../stack.ts");
  const outputs = createStack(testSettings(overrides), { project: "i2v", stack: `test${stackCounter}` });
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

/** AWS types that have no tags argument; the last test proves each really has none. */
const UNTAGGABLE = [
  "aws:iam/rolePolicy:RolePolicy",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:ec2/volumeAttachment:VolumeAttachment",
  "aws:ec2/eipAssociation:EipAssociation",
];

/** The cloud-init document a resource boots with (instances and launch templates carry it gzipped). */
function userDataOf(resource: RecordedResource): string {
  const packed = resource.inputs.userDataBase64 ?? resource.inputs.userData;
  return gunzipSync(Buffer.from(String(packed), "base64")).toString("utf8");
}

const named = (resources: RecordedResource[], name: string): RecordedResource => {
  const found = resources.filter((r) => r.name === name);
  expect(found, name).toHaveLength(1);
  return found[0] as RecordedResource;
};

describe("network access", () => {
  it("opens the API port only to the configured CIDRs, never to the internet", async () => {
    const { resources } = await deploy({ allowedCidrs: ["203.0.113.7/32", "2001:db8::/64"] });
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.map((r) => r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6).sort()).toEqual([
      "2001:db8::/64",
      "203.0.113.7/32",
    ]);
    for (const rule of rules) expect([rule.inputs.fromPort, rule.inputs.toPort]).toEqual([7860, 7860]);
    expect(JSON.stringify(rules)).not.toContain("0.0.0.0/0");
  });

  it("has no ingress on port 22 and no inline ingress on the group", async () => {
    const { resources } = await deploy();
    const group = single(resources, "aws:ec2/securityGroup:SecurityGroup");
    expect(group.inputs.ingress ?? []).toEqual([]);
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.every((r) => r.inputs.fromPort !== 22)).toBe(true);
  });

  it("refuses 0.0.0.0/0 unless allowPublic is set, in the settings and in the component itself", async () => {
    await expect(deploy({ allowedCidrs: ["0.0.0.0/0"] })).rejects.toThrow(/allowPublic/);
    const { NetworkAccess } = await import("../components/network-access.ts");
    expect(() => new NetworkAccess("open", { allowedCidrs: ["0.0.0.0/0"], tags: {} })).toThrow(/allowPublic/);
    expect(() => new NetworkAccess("open6", { allowedCidrs: ["::/0"], tags: {} })).toThrow(/allowPublic/);
  });

  it("opens 0.0.0.0/0 when allowPublic is set", async () => {
    const { resources } = await deploy({ allowedCidrs: [], allowPublic: true });
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(rules.map((r) => r.inputs.cidrIpv4)).toEqual(["0.0.0.0/0"]);
  });

  it("with no CIDRs, declares no ingress and points the endpoint at an SSM tunnel", async () => {
    const { outputs, resources } = await deploy({ allowedCidrs: [] });
    expect(ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")).toEqual([]);
    expect(await resolved(outputs.endpointUrl)).toBe("https://127.0.0.1:7860");
    expect(ofType(resources, "aws:ec2/eip:Eip")).toEqual([]);
    expect(await resolved(outputs.tunnelCommand)).toContain("AWS-StartPortForwardingSession");
  });
});

describe("the box", () => {
  it("requires IMDSv2 with a hop limit that keeps containers away from the credentials", async () => {
    const { resources } = await deploy();
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(instance.inputs.metadataOptions).toMatchObject({
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
  });

  it("encrypts every volume", async () => {
    const { resources } = await deploy({ instanceType: "p3.2xlarge" }); // no instance store: an EBS model volume
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(instance.inputs.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: "gp3" });
    const volumes = ofType(resources, "aws:ebs/volume:Volume");
    expect(volumes).toHaveLength(1);
    for (const volume of volumes) expect(volume.inputs.encrypted).toBe(true);
  });

  it("sets gp3 throughput and IOPS on the model volume, and restores snapshots at a provisioned rate", async () => {
    const { resources } = await deploy({ modelSnapshotId: "snap-0123", modelVolumeThroughputMiBps: 700 });
    const volume = single(resources, "aws:ebs/volume:Volume");
    expect(volume.inputs).toMatchObject({
      type: "gp3",
      throughput: 700,
      iops: 6000,
      snapshotId: "snap-0123",
      volumeInitializationRate: 300,
    });
    expect(single(resources, "aws:ec2/volumeAttachment:VolumeAttachment").inputs.deviceName).toBe("/dev/sdf");
  });

  it("uses instance-store NVMe and declares no model volume on types that have it", async () => {
    const { resources } = await deploy({ instanceType: "g6.xlarge" });
    expect(ofType(resources, "aws:ebs/volume:Volume")).toEqual([]);
    const userData = userDataOf(single(resources, "aws:ec2/instance:Instance"));
    expect(userData).toContain("STORAGE='instance-store'");
  });

  it("boots with user data EC2 accepts: gzipped under 16 KB, a cloud-config inside", async () => {
    const { resources } = await deploy({ instanceType: "p3.2xlarge", weights: "org/model@main" });
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(instance.inputs.userData).toBeUndefined();
    expect(Buffer.from(String(instance.inputs.userDataBase64), "base64").length).toBeLessThan(16 * 1024);
    expect(userDataOf(instance).startsWith("#cloud-config\n")).toBe(true);
  });

  it("refuses a non-GPU instance type in the component itself", async () => {
    const { GpuBox } = await import("../components/gpu-box.ts");
    expect(
      () => new GpuBox("cpu", { instanceType: "m7i.xlarge", securityGroupIds: [], userData: "", tags: {} }),
    ).toThrow(/not an NVIDIA GPU/);
  });

  it("runs a GPU instance type, resolving the DLAMI through SSM", async () => {
    const { resources } = await deploy({ instanceType: "g5.2xlarge" });
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(isGpuInstanceType(String(instance.inputs.instanceType))).toBe(true);
    expect(instance.inputs.instanceType).toBe("g5.2xlarge");
    expect(instance.inputs.ami).toBe("ami-0mockdlami00000");
    expect(recorded.calls).toContain("aws:ssm/getParameter:getParameter");
  });

  it("asks for spot capacity only when the market is spot", async () => {
    const onDemand = single((await deploy()).resources, "aws:ec2/instance:Instance");
    expect(onDemand.inputs.instanceMarketOptions).toBeUndefined();
    recorded = await installMocks(`spot${stackCounter}`);
    const spot = single((await deploy({ market: "spot" })).resources, "aws:ec2/instance:Instance");
    expect(spot.inputs.instanceMarketOptions).toMatchObject({ marketType: "spot" });
  });

  it("pins the zone through the default subnet when the placement names one", async () => {
    const { outputs, resources } = await deploy({ placement: "g6e.xlarge@us-east-1c" });
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(instance.inputs).toMatchObject({ instanceType: "g6e.xlarge", subnetId: "subnet-us-east-1c" });
    expect(outputs.placement).toBe("g6e.xlarge@us-east-1c");
  });
});

describe("user-data and the token", () => {
  it("references the image and the token parameter by name, never the token value", async () => {
    const { outputs, resources } = await deploy();
    const userData = userDataOf(single(resources, "aws:ec2/instance:Instance"));
    const imageUri = await resolved(outputs.imageUri);
    expect(imageUri).toMatch(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.+:latest$/);
    expect(userData).toContain(`IMAGE='${imageUri}'`);
    expect(userData).toContain("TOKEN_PARAMETER='/i2v/");
    expect(userData).not.toContain(MOCK_TOKEN);
    expect(await resolved(outputs.apiToken)).toBe(MOCK_TOKEN);
  });

  it("keeps the token in a SecureString parameter and exports it only as a secret", async () => {
    const { outputs, resources } = await deploy();
    const parameter = named(resources, "i2v-token-parameter");
    expect(parameter.inputs.type).toBe("SecureString");
    expect(parameter.inputs.value).toBe("[secret]");
    expect(await pulumi.isSecret(outputs.apiToken as pulumi.Output<string>)).toBe(true);
  });

  it("lets the box read exactly that parameter and pull from exactly that repository", async () => {
    const { resources } = await deploy();
    const policy = JSON.parse(String(single(resources, "aws:iam/rolePolicy:RolePolicy").inputs.policy));
    const byId = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(byId.ReadApiToken.Resource).toMatch(/^arn:aws:ssm:.*:parameter\/i2v\/test\d+\/api-token$/);
    expect(byId.EcrPull.Resource).toMatch(/^arn:aws:ecr:.*:repository\//);
    expect(JSON.stringify(policy)).not.toMatch(/"Action":\s*\[?"(\*|ssm:\*|ecr:\*)"/);
    // No managed policies: AmazonSSMManagedInstanceCore would grant ssm:GetParameter on everything.
    expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
  });

  it("with requireToken false, creates no token and no SSM read", async () => {
    const { outputs, resources } = await deploy({ requireToken: false, imageUri: "ghcr.io/example/i2v:1.0" });
    expect(resources.filter((r) => r.name === "i2v-token-parameter")).toEqual([]);
    expect(ofType(resources, "aws:ecr/repository:Repository")).toEqual([]);
    expect(outputs.apiToken).toBeUndefined();
    const policy = String(single(resources, "aws:iam/rolePolicy:RolePolicy").inputs.policy);
    expect(policy).not.toContain("ReadApiToken");
    expect(policy).not.toContain("EcrPull");
  });
});

describe("HTTPS", () => {
  it("serves https on an Elastic IP the certificate names, and pins the stack's CA in the smoke command", async () => {
    const { outputs, resources } = await deploy();
    const eip = single(resources, "aws:ec2/eip:Eip");
    expect(eip.inputs.domain).toBe("vpc");
    expect(single(resources, "aws:ec2/eipAssociation:EipAssociation").inputs).toMatchObject({
      allocationId: "eipalloc-i2v-address",
      instanceId: "i2v-box-instance-id",
    });
    const csr = single(resources, "tls:index/certRequest:CertRequest");
    expect(csr.inputs.ipAddresses).toEqual(["203.0.113.20", "127.0.0.1"]);
    expect(single(resources, "tls:index/selfSignedCert:SelfSignedCert").inputs.isCaCertificate).toBe(true);
    const cert = single(resources, "tls:index/locallySignedCert:LocallySignedCert");
    expect(cert.inputs.allowedUses).toContain("server_auth");
    expect(await resolved(outputs.endpointUrl)).toBe("https://203.0.113.20:7860");
    expect(await resolved(outputs.caCertificate)).toBe("MOCK CERTIFICATE i2v-tls-ca");
    const smoke = await resolved(outputs.smokeCommand);
    expect(smoke).toMatch(
      /^pulumi stack output caCertificate > (\S+) && npm run smoke -- --url https:\/\/203\.0\.113\.20:7860 --ca \1 --token /,
    );
  });

  it("keeps the private key in a SecureString only: never in user data, never in any input in clear", async () => {
    const { resources } = await deploy();
    const key = named(resources, "i2v-tls-parameters-key");
    expect(key.inputs).toMatchObject({ type: "SecureString", value: "[secret]" });
    expect(String(key.inputs.name)).toMatch(/^\/i2v\/test\d+\/tls\/key$/);
    for (const part of ["cert", "ca"])
      expect(named(resources, `i2v-tls-parameters-${part}`).inputs.type).toBe("String");
    // The mock engine's key text: it may only ever travel as a Pulumi secret.
    expect(JSON.stringify(resources)).not.toContain("MOCK PRIVATE KEY");
    const userData = userDataOf(single(resources, "aws:ec2/instance:Instance"));
    expect(userData).toMatch(/TLS_KEY_PARAMETER='\/i2v\/test\d+\/tls\/key'/);
    expect(userData).not.toMatch(/PRIVATE KEY|MOCK CERTIFICATE/);
  });

  it("lets the box read exactly the three TLS parameters", async () => {
    const { resources } = await deploy();
    const policy = JSON.parse(String(single(resources, "aws:iam/rolePolicy:RolePolicy").inputs.policy));
    const tls = policy.Statement.find((s: { Sid: string }) => s.Sid === "ReadTlsMaterial");
    expect(tls.Action).toEqual(["ssm:GetParameter"]);
    expect([...tls.Resource].sort()).toEqual(
      ["ca", "cert", "key"].map(
        (p) => `arn:aws:ssm:us-east-1:123456789012:parameter/i2v/test${stackCounter}/tls/${p}`,
      ),
    );
  });

  it("opens nothing but the HTTPS port, and that only to the configured CIDRs", async () => {
    const { resources } = await deploy({ allowedCidrs: ["198.51.100.0/24"] });
    const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(
      rules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort, r.inputs.toPort, r.inputs.ipProtocol]),
    ).toEqual([["198.51.100.0/24", 7860, 7860, "tcp"]]);
  });
});

describe("tags", () => {
  it("tags every taggable resource with the stack's tags", async () => {
    const { resources } = await deploy({ instanceType: "p3.2xlarge", tags: { team: "video" } });
    const taggable = resources.filter((r) => r.type.startsWith("aws:") && !UNTAGGABLE.includes(r.type));
    expect(taggable.length).toBeGreaterThan(8);
    for (const resource of taggable) {
      const tags = (resource.inputs.tags ?? {}) as Record<string, string>;
      for (const key of [...REQUIRED_TAG_KEYS, "team"])
        expect(tags[key], `${resource.type} ${resource.name} tag ${key}`).toBeDefined();
    }
    const instance = single(resources, "aws:ec2/instance:Instance");
    expect(
      (instance.inputs.rootBlockDevice as { tags: Record<string, string> }).tags["i2v:stack"],
    ).toBeDefined();
  });

  it("exempts only resource types that really have no tags argument", () => {
    const require = createRequire(import.meta.url);
    for (const type of UNTAGGABLE) {
      const [, module, name] = /^aws:([a-z0-9]+)\/([a-zA-Z]+):/.exec(type) ?? [];
      const source = readFileSync(require.resolve(`@pulumi/aws/${module}/${name}.js`), "utf8");
      expect(source, type).not.toContain('resourceInputs["tags"]');
    }
  });
});
