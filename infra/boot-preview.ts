import { type BootFacts, tlsParameterNames, tokenParameterName } from "./boot-spec.ts";
import type { StackSettings } from "./settings.ts";

/** Stands in for the AWS account id, which only a deployed stack knows. */
export const PLACEHOLDER_ACCOUNT = "000000000000";

/** True when `facts` holds the placeholder image rather than a real one. */
export function isPlaceholderImage(facts: BootFacts): boolean {
  return facts.imageUri.startsWith(`${PLACEHOLDER_ACCOUNT}.`);
}

/**
 * The deploy-time facts as they will be, for printing without AWS: the ECR repository's URL is
 * only known after `pulumi up` (it holds the account id and a generated name), so it is shown as a
 * placeholder unless the stack sets `imageUri` or the caller passes one.
 */
export function previewFacts(settings: StackSettings, stack: string, imageOverride?: string): BootFacts {
  const imageUri =
    imageOverride ??
    settings.imageUri ??
    `${PLACEHOLDER_ACCOUNT}.dkr.ecr.${settings.region}.amazonaws.com/i2v-images-repo:${settings.imageTag}`;
  return {
    imageUri,
    tokenParameterName: settings.requireToken ? tokenParameterName(stack) : undefined,
    tls: tlsParameterNames(stack),
  };
}
