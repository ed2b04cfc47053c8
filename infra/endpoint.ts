import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsParameterNames } from "./boot-spec.ts";
import type { GpuBox } from "./components/gpu-box.ts";
import { ServerCertificate } from "./components/server-certificate.ts";
import { TlsParameters } from "./components/tls-parameters.ts";
import { ecrRepositoryArn } from "./decisions/iam.ts";
import { parseImageRef } from "./decisions/image-ref.ts";
import type { StackSettings } from "./settings.ts";
import type { StackOutputs } from "./stack-outputs.ts";
import { BOX } from "./user-data/spec.ts";

// What both shapes (single box, scale-out API box) share at the edge: HTTPS and the commands a user runs.

/**
 * HTTPS for an address: a private CA and a server certificate naming the public address (when there
 * is one) and 127.0.0.1/localhost (the boot's readiness check, an SSM tunnel), stored in SSM.
 */
export function serverTls(
  name: string,
  stack: string,
  publicAddress: pulumi.Output<string> | undefined,
  tags: Record<string, string>,
) {
  const names = tlsParameterNames(stack);
  const certificate = new ServerCertificate(name, {
    ipAddresses: publicAddress ? [publicAddress, "127.0.0.1"] : ["127.0.0.1"],
    dnsNames: ["localhost"],
  });
  const parameters = new TlsParameters(`${name}-parameters`, {
    names,
    certPem: certificate.certPem,
    caCertPem: certificate.caCertPem,
    privateKeyPem: certificate.privateKeyPem,
    tags,
  });
  return { names, certificate, parameters };
}

/** ECR permission for an image the user pushed to their own ECR repository elsewhere. */
export function externalRepositoryArn(imageUri: string | undefined): pulumi.Output<string | undefined> {
  const ecr = imageUri ? parseImageRef(imageUri).ecr : undefined;
  if (!ecr) return pulumi.output(undefined);
  return aws
    .getPartitionOutput()
    .partition.apply((partition) => ecrRepositoryArn(partition, ecr.region, ecr.accountId, ecr.repository));
}

/** Endpoint and the commands a user runs next; through an SSM tunnel when no CIDR may reach the box. */
export function reachability(
  settings: StackSettings,
  stack: string,
  box: GpuBox,
  publicAddress: pulumi.Output<string> | undefined,
  rest: Pick<
    StackOutputs,
    | "placement"
    | "candidates"
    | "imageUri"
    | "repositoryUrl"
    | "apiToken"
    | "tokenParameterName"
    | "caCertificate"
  >,
): StackOutputs {
  const endpointUrl = publicAddress
    ? pulumi.interpolate`https://${publicAddress}:${BOX.port}`
    : pulumi.output(`https://127.0.0.1:${BOX.port}`);
  const region = settings.region;
  return {
    ...rest,
    endpointUrl,
    instanceId: box.instanceId,
    availabilityZone: box.availabilityZone,
    sessionCommand: pulumi.interpolate`aws ssm start-session --region ${region} --target ${box.instanceId}`,
    tunnelCommand: pulumi.interpolate`aws ssm start-session --region ${region} --target ${box.instanceId} --document-name AWS-StartPortForwardingSession --parameters portNumber=${BOX.port},localPortNumber=${BOX.port}`,
    bootLogCommand: pulumi.interpolate`aws ec2 get-console-output --region ${region} --instance-id ${box.instanceId} --latest --output text`,
    smokeCommand: smokeCommandFor(endpointUrl, stack, settings.requireToken),
  };
}

/** Saves the CA output to a file, then runs the smoke client pinned to it (`eval "$(pulumi stack output smokeCommand)"`). */
export function smokeCommandFor(
  endpointUrl: pulumi.Output<string>,
  stack: string,
  requireToken: boolean,
): pulumi.Output<string> {
  const caFile = `i2v-${stack}-ca.pem`;
  const tokenArg = requireToken ? ` --token "$(pulumi stack output apiToken --show-secrets)"` : "";
  return pulumi.interpolate`pulumi stack output caCertificate > ${caFile} && npm run smoke -- --url ${endpointUrl} --ca ${caFile}${tokenArg}`;
}
