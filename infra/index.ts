/**
 * The Pulumi program (`pulumi up` runs this under `node --import tsx`; see Pulumi.yaml).
 * It reads the stack config, refuses invalid settings with every problem listed, and declares the stack
 * on the cloud `i2v:cloud` names (aws, the default, or alicloud).
 */
import * as pulumi from "@pulumi/pulumi";
import { createAlicloudStack } from "./alicloud/stack.ts";
import { readStackSettings } from "./config.ts";
import { createStack, type StackOutputs } from "./stack.ts";

const settings = readStackSettings();
const context = { project: pulumi.getProject(), stack: pulumi.getStack() };
const outputs: StackOutputs & {
  caCertificate?: pulumi.Output<string>;
  gpuImage?: pulumi.Output<string>;
  pushCommand?: pulumi.Output<string>;
} = settings.cloud === "alicloud" ? createAlicloudStack(settings, context) : createStack(settings, context);

export const endpointUrl = outputs.endpointUrl;
export const instanceId = outputs.instanceId;
export const availabilityZone = outputs.availabilityZone;
export const placement = outputs.placement;
export const candidates = outputs.candidates;
export const imageUri = outputs.imageUri;
export const repositoryUrl = outputs.repositoryUrl;
export const apiToken = outputs.apiToken;
export const tokenParameterName = outputs.tokenParameterName;
export const sessionCommand = outputs.sessionCommand;
export const tunnelCommand = outputs.tunnelCommand;
export const bootLogCommand = outputs.bootLogCommand;
export const smokeCommand = outputs.smokeCommand;
export const caCertificate = outputs.caCertificate;
export const gpuImage = outputs.gpuImage;
export const pushCommand = outputs.pushCommand;
export const workerGroupName = outputs.workerGroupName;
export const jobBucket = outputs.jobBucket;
export const queueEndpoint = outputs.queueEndpoint;
