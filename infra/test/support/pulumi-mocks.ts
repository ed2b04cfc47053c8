import * as pulumi from "@pulumi/pulumi";
import { alicloudCallResult, alicloudComputedState } from "../../alicloud/preview-mocks.ts";

/** One resource the program declared, as the mock engine saw it. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** A distinctive token value, so tests can prove it never lands in user-data. */
export const MOCK_TOKEN = "MockTokenValue0123456789abcdefSECRET";

/** Fake outputs the engine would compute, by resource type. */
function computedState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.type) {
    case "aws:ec2/instance:Instance":
      return {
        ...inputs,
        publicIp: "203.0.113.10",
        availabilityZone: inputs.availabilityZone ?? "us-east-1a",
      };
    case "aws:ecr/repository:Repository":
      return {
        ...inputs,
        arn: `arn:aws:ecr:us-east-1:123456789012:repository/${args.name}`,
        repositoryUrl: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${args.name}`,
      };
    case "aws:ssm/parameter:Parameter":
      return { ...inputs, arn: `arn:aws:ssm:us-east-1:123456789012:parameter${String(inputs.name)}` };
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: MOCK_TOKEN };
    case "aws:iam/role:Role":
      return { ...inputs, arn: `arn:aws:iam::123456789012:role/${args.name}`, name: args.name };
    case "aws:iam/instanceProfile:InstanceProfile":
      return { ...inputs, name: args.name };
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
      return { id: "vpc-mockdefault" };
    case "aws:ec2/getSubnet:getSubnet":
      return {
        id: `subnet-${String(inputs.availabilityZone ?? inputs.id ?? "default")}`,
        vpcId: "vpc-mocksubnet",
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    default:
      return alicloudCallResult(args) ?? inputs;
  }
}

/**
 * Installs Pulumi's mocks under a fresh stack name (so URNs never collide between tests) and
 * returns the list the declared resources are recorded into.
 */
export async function installMocks(
  stack: string,
): Promise<{ resources: RecordedResource[]; calls: string[] }> {
  const resources: RecordedResource[] = [];
  const calls: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: `${args.name}-id`, state: computedState(args) };
      },
      call(args) {
        calls.push(args.token);
        return callResult(args);
      },
    },
    "i2v",
    stack,
    false,
  );
  return { resources, calls };
}

/** The value of an Output (secret or not), for assertions. */
export function resolved<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * Waits until the mock engine has seen every registration: resources whose inputs depend on other
 * outputs register a few turns later, and nothing else signals that they are done.
 */
export async function settle(resources: RecordedResource[], timeoutMs = 5000): Promise<void> {
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
