import { gunzipSync } from "node:zlib";
import type { RecordedResource } from "./alicloud-test-engine.ts";

/**
 * What the cross-cloud rules look at, read from the resources one cloud's program declared: the
 * same rule then checks AWS and Alibaba alike (infra/test/alicloud-rules.test.ts).
 */
export interface CloudView {
  /** Every CIDR any ingress rule admits. */
  ingressCidrs: string[];
  /** Per instance: the metadata token setting. */
  metadataTokens: unknown[];
  /** Per disk (system/root included): whether it is encrypted. */
  diskEncryption: { name: string; encrypted: unknown }[];
  /** Zones declared for the instance, the network (subnet/vSwitch) and the weights disk, where set. */
  zones: { instance: unknown; network: unknown; disk: unknown };
  /** Resources of the cloud's own provider (tags are checked on these, minus the untaggable). */
  cloudResources: RecordedResource[];
  /** The boot documents, decoded. */
  userData: string[];
  /** Policy documents (IAM inline policies, RAM custom policies), parsed. */
  policies: { Statement: { Action: string | string[]; Resource: string | string[] }[] }[];
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);

export function awsView(resources: RecordedResource[]): CloudView {
  const instances = ofType(resources, "aws:ec2/instance:Instance");
  const volumes = ofType(resources, "aws:ebs/volume:Volume");
  const rules = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
  const groups = ofType(resources, "aws:ec2/securityGroup:SecurityGroup");
  return {
    ingressCidrs: [
      ...rules.map((r) => String(r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6)),
      ...groups.flatMap((g) =>
        ((g.inputs.ingress ?? []) as { cidrBlocks?: string[] }[]).flatMap((i) => i.cidrBlocks ?? []),
      ),
    ],
    metadataTokens: instances.map((i) => (i.inputs.metadataOptions as { httpTokens?: string })?.httpTokens),
    diskEncryption: [
      ...instances.map((i) => ({
        name: `${i.name} root`,
        encrypted: (i.inputs.rootBlockDevice as { encrypted?: boolean })?.encrypted,
      })),
      ...volumes.map((v) => ({ name: v.name, encrypted: v.inputs.encrypted })),
    ],
    zones: {
      instance: instances[0]?.inputs.availabilityZone ?? "us-east-1a",
      network: instances[0]?.inputs.availabilityZone ?? "us-east-1a",
      disk: volumes[0]?.inputs.availabilityZone ?? "us-east-1a",
    },
    cloudResources: resources.filter((r) => r.type.startsWith("aws:")),
    userData: instances.map(awsUserData),
    policies: ofType(resources, "aws:iam/rolePolicy:RolePolicy").map((p) =>
      JSON.parse(String(p.inputs.policy)),
    ),
  };
}

export function alicloudView(resources: RecordedResource[]): CloudView {
  const instances = ofType(resources, "alicloud:ecs/instance:Instance");
  const disks = ofType(resources, "alicloud:ecs/ecsDisk:EcsDisk");
  const switches = ofType(resources, "alicloud:vpc/switch:Switch");
  const rules = ofType(resources, "alicloud:ecs/securityGroupRule:SecurityGroupRule");
  return {
    ingressCidrs: rules
      .filter((r) => r.inputs.type === "ingress")
      .map((r) => String(r.inputs.cidrIp ?? r.inputs.ipv6CidrIp)),
    metadataTokens: instances.map((i) => i.inputs.httpTokens),
    diskEncryption: [
      ...instances.map((i) => ({ name: `${i.name} system`, encrypted: i.inputs.systemDiskEncrypted })),
      ...disks.map((d) => ({ name: d.name, encrypted: d.inputs.encrypted })),
    ],
    zones: {
      instance: instances[0]?.inputs.availabilityZone,
      network: switches[0]?.inputs.zoneId,
      disk: disks[0]?.inputs.zoneId,
    },
    cloudResources: resources.filter((r) => r.type.startsWith("alicloud:")),
    // Gzipped, then base64 (infra/alicloud/user-data/cloud-config.ts packAlicloudUserData).
    userData: instances.map((i) =>
      gunzipSync(Buffer.from(String(i.inputs.userData), "base64")).toString("utf8"),
    ),
    policies: ofType(resources, "alicloud:ram/policy:Policy").map((p) =>
      JSON.parse(String(p.inputs.policyDocument)),
    ),
  };
}

/** An AWS instance's boot document: plain `userData`, or gzipped in `userDataBase64` (EC2's 16 KB limit). */
function awsUserData(instance: RecordedResource): string {
  const packed = instance.inputs.userDataBase64;
  if (packed === undefined) return String(instance.inputs.userData);
  return gunzipSync(Buffer.from(String(packed), "base64")).toString("utf8");
}
