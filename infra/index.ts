/**
 * The Pulumi program (`pulumi up` runs this under `node --import tsx`; see Pulumi.yaml).
 * It reads the stack config, refuses invalid settings with every problem listed, and declares the stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { readStackSettings } from "./config.ts";
import { createStack } from "./stack.ts";

const settings = readStackSettings();
const outputs = createStack(settings, { project: pulumi.getProject(), stack: pulumi.getStack() });

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
export const workerGroupName = outputs.workerGroupName;
export const jobBucket = outputs.jobBucket;
export const queueEndpoint = outputs.queueEndpoint;
