import { beforeEach, describe, expect, it } from "vitest";
import type { ListedResource } from "../preview/listing.ts";
import { installMocks, type Recording, resolved, settle } from "../preview/mock-engine.ts";
import { normalizeSettings, type RawConfig } from "../settings.ts";
import { testSettings } from "./support/settings.ts";

// i2v:domain: ACM behind an Application Load Balancer, on the resource listing (mocks, no AWS).

let counter = 0;
let recorded: Recording;
beforeEach(async () => {
  counter += 1;
  recorded = await installMocks(`edge${counter}`);
});

const DOMAIN = { domain: "video.example.com", hostedZoneId: "Z0123456789ABC" };

async function deploy(overrides: RawConfig = {}) {
  const { createStack } = await import("../stack.ts");
  const outputs = createStack(testSettings({ ...DOMAIN, ...overrides }), {
    project: "i2v",
    stack: `edge${counter}`,
  });
  await resolved(outputs.smokeCommand);
  await settle(recorded.resources);
  return { outputs, resources: recorded.resources };
}

const ofType = (resources: ListedResource[], type: string) => resources.filter((r) => r.type === type);
const ingress = (resources: ListedResource[], group: string) =>
  ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
    (r) => r.inputs.securityGroupId === `${group}-id`,
  );

describe("i2v:domain", () => {
  it("serves a DNS-validated ACM certificate on 443 with a TLS 1.3/1.2 policy, forwarding HTTPS to the box", async () => {
    const { outputs, resources } = await deploy();
    const [certificate] = ofType(resources, "aws:acm/certificate:Certificate");
    expect(certificate?.inputs).toMatchObject({ domainName: "video.example.com", validationMethod: "DNS" });
    const [validation] = ofType(resources, "aws:route53/record:Record");
    expect(validation?.inputs).toMatchObject({ zoneId: "Z0123456789ABC", type: "CNAME" });
    const [listener] = ofType(resources, "aws:lb/listener:Listener");
    expect(listener?.inputs).toMatchObject({
      port: 443,
      protocol: "HTTPS",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      certificateArn: expect.stringContaining("certificate/i2v-edge-certificate"),
    });
    const [targets] = ofType(resources, "aws:lb/targetGroup:TargetGroup");
    expect(targets?.inputs).toMatchObject({
      port: 7860,
      protocol: "HTTPS",
      healthCheck: { protocol: "HTTPS" },
    });
    expect(ofType(resources, "aws:lb/targetGroupAttachment:TargetGroupAttachment")[0]?.inputs.targetId).toBe(
      "i2v-box-instance-id",
    );
    expect(await resolved(outputs.endpointUrl)).toBe("https://video.example.com");
    // A public chain: the smoke command pins nothing.
    expect(await resolved(outputs.smokeCommand)).toMatch(
      /^npm run smoke -- --url https:\/\/video\.example\.com --token /,
    );
  });

  it("opens 443 on the load balancer to the CIDRs, and the box only to the load balancer", async () => {
    const { resources } = await deploy({ allowedCidrs: ["198.51.100.0/24"] });
    expect(ingress(resources, "i2v-edge-net-sg").map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort])).toEqual([
      ["198.51.100.0/24", 443],
    ]);
    const box = ingress(resources, "i2v-net-sg");
    expect(box.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort])).toEqual([
      ["i2v-edge-net-sg-id", 7860],
    ]);
    expect(box.every((r) => r.inputs.cidrIpv4 === undefined && r.inputs.cidrIpv6 === undefined)).toBe(true);
    expect(ofType(resources, "aws:ec2/eip:Eip")).toEqual([]);
  });

  it("puts the scale-out's API box behind the same load balancer", async () => {
    const { resources } = await deploy({ workers: { min: 0, max: 2, targetBacklogPerWorker: 1 } });
    expect(ofType(resources, "aws:lb/targetGroupAttachment:TargetGroupAttachment")[0]?.inputs.targetId).toBe(
      "i2v-api-instance-id",
    );
    expect(ingress(resources, "i2v-api-net-sg").map((r) => r.inputs.referencedSecurityGroupId)).toEqual([
      "i2v-edge-net-sg-id",
    ]);
  });

  it("refuses a domain without its zone, with a fixed subnet, or with nobody allowed in", () => {
    const result = normalizeSettings({
      region: "us-east-1",
      domain: "video.example.com",
      subnetId: "subnet-1",
      allowedCidrs: [],
    });
    const errors = result.ok ? [] : result.errors;
    expect(errors.some((e) => e.startsWith("hostedZoneId: required with i2v:domain"))).toBe(true);
    expect(errors.some((e) => e.startsWith("domain: a load balancer spans two zones"))).toBe(true);
    expect(errors.some((e) => e.startsWith("domain: nobody could reach"))).toBe(true);
    const bad = normalizeSettings({
      region: "us-east-1",
      ...DOMAIN,
      domain: "not a name",
      allowedCidrs: ["203.0.113.7/32"],
    });
    expect(bad.ok ? [] : bad.errors).toEqual([
      'domain: "not a name" is not a DNS name such as video.example.com',
    ]);
  });
});
