import * as pulumi from "@pulumi/pulumi";
import { alicloudCallResult, alicloudComputedState } from "../alicloud/preview-mocks.ts";
import { type ListedResource, listResource } from "./listing.ts";

/**
 * Pulumi's own mock engine (`pulumi.runtime.setMocks`), so the real program runs with no account
 * and no Pulumi CLI. Every registration is recorded as `pulumi up` would send it; outputs a cloud
 * would compute (ids, ARNs, addresses) get stand-ins below. Types not listed echo their inputs, so
 * any provider's program runs under it: only the stand-ins are cloud specific.
 */

/** The mocked `random.RandomPassword` result: distinctive, so tests can prove it never lands in user data. */
export const MOCK_TOKEN = "MockTokenValue0123456789abcdefSECRET";

/** The mocked account and region in ARNs and URLs. */
const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** Fake outputs the engine would compute, by resource type. */
function computedState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  const arn = (service: string, path: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${path}`;
  switch (args.type) {
    case "aws:ec2/instance:Instance":
      return {
        ...inputs,
        publicIp: "203.0.113.10",
        privateIp: "10.0.0.10",
        availabilityZone: inputs.availabilityZone ?? "us-east-1a",
      };
    case "aws:ec2/eip:Eip":
      return { ...inputs, publicIp: "203.0.113.20", allocationId: `eipalloc-${args.name}` };
    case "aws:ecr/repository:Repository":
      return {
        ...inputs,
        arn: arn("ecr", `repository/${args.name}`),
        repositoryUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${args.name}`,
      };
    case "aws:ssm/parameter:Parameter":
      return { ...inputs, arn: arn("ssm", `parameter${String(inputs.name)}`) };
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: MOCK_TOKEN };
    case "aws:iam/role:Role":
      return { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:role/${args.name}`, name: args.name };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { ...inputs, name: args.name, arn: `arn:aws:iam::${ACCOUNT}:instance-profile/${args.name}` };
    case "aws:s3/bucketV2:BucketV2":
    case "aws:s3/bucket:Bucket":
      return {
        ...inputs,
        bucket: inputs.bucket ?? `${args.name}-mock`,
        arn: `arn:aws:s3:::${args.name}-mock`,
      };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return {
        ...inputs,
        arn: arn("elasticache", `replicationgroup:${args.name}`),
        primaryEndpointAddress: `master.${args.name}.mock.use1.cache.amazonaws.com`,
        port: inputs.port ?? 6379,
      };
    case "aws:autoscaling/group:Group":
      return {
        ...inputs,
        name: inputs.name ?? args.name,
        arn: arn("autoscaling", `autoScalingGroup:${args.name}`),
      };
    case "aws:autoscaling/policy:Policy":
      return { ...inputs, arn: arn("autoscaling", `scalingPolicy:${args.name}`) };
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return { ...inputs, latestVersion: 1, arn: arn("ec2", `launch-template/${args.name}`) };
    case "aws:acm/certificate:Certificate":
      return {
        ...inputs,
        arn: arn("acm", `certificate/${args.name}`),
        domainValidationOptions: [
          {
            domainName: inputs.domainName,
            resourceRecordName: `_mock.${String(inputs.domainName)}.`,
            resourceRecordType: "CNAME",
            resourceRecordValue: "_mock.acm-validations.aws.",
          },
        ],
      };
    case "aws:acm/certificateValidation:CertificateValidation":
      return { ...inputs };
    case "aws:lb/loadBalancer:LoadBalancer":
      return {
        ...inputs,
        arn: arn("elasticloadbalancing", `loadbalancer/app/${args.name}`),
        dnsName: `${args.name}.${REGION}.elb.amazonaws.com`,
        zoneId: "Z35SXDOTRQ7X7K",
      };
    case "aws:lb/targetGroup:TargetGroup":
      return { ...inputs, arn: arn("elasticloadbalancing", `targetgroup/${args.name}`) };
    case "aws:route53/record:Record":
      return { ...inputs, fqdn: String(inputs.name) };
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, privateKeyPem: `MOCK PRIVATE KEY ${args.name}`, publicKeyPem: "MOCK PUBLIC KEY" };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { ...inputs, certPem: `MOCK CERTIFICATE ${args.name}` };
    case "tls:index/certRequest:CertRequest":
      return { ...inputs, certRequestPem: `MOCK CSR ${args.name}` };
    default:
      return alicloudComputedState(args) ?? { ...inputs };
  }
}

/** Fake answers for data-source calls, by function token. */
function callResult(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "aws:ssm/getParameter:getParameter":
      return { name: inputs.name, value: "ami-0mockdlami00000", type: "String" };
    case "aws:ec2/getVpc:getVpc":
      return { id: "vpc-mockdefault", cidrBlock: "172.31.0.0/16" };
    case "aws:ec2/getSubnet:getSubnet":
      return {
        id: `subnet-${String(inputs.availabilityZone ?? inputs.id ?? "default")}`,
        vpcId: "vpc-mocksubnet",
      };
    case "aws:ec2/getSubnets:getSubnets":
      return { ids: ["subnet-mock-a", "subnet-mock-b"] };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/mock`, userId: "MOCK" };
    case "aws:index/getRegion:getRegion":
      return { name: REGION, region: REGION };
    default:
      return alicloudCallResult(args) ?? inputs;
  }
}

/** What the mock engine saw: every resource (secrets shown as "[secret]") and every data-source call. */
export interface Recording {
  resources: ListedResource[];
  calls: string[];
}

/**
 * Installs Pulumi's mocks under a fresh stack name (so URNs never collide between runs) and
 * returns the recording the declared resources go into.
 */
export async function installMocks(stack: string, project = "i2v"): Promise<Recording> {
  const recording: Recording = { resources: [], calls: [] };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        recording.resources.push(listResource(args.type, args.name, args.inputs));
        return { id: `${args.name}-id`, state: computedState(args) };
      },
      call(args) {
        recording.calls.push(args.token);
        return callResult(args);
      },
    },
    project,
    stack,
    false,
  );
  return recording;
}

/** The value of an Output (secret or not), for assertions. */
export function resolved<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * Waits until the mock engine has seen every registration: resources whose inputs depend on other
 * outputs register a few turns later, and nothing else signals that they are done.
 */
export async function settle(resources: readonly unknown[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableRounds = 0;
  while (stableRounds < 5) {
    if (Date.now() > deadline) throw new Error(`mock registrations did not settle within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
    stableRounds = resources.length === last ? stableRounds + 1 : 0;
    last = resources.length;
  }
}
