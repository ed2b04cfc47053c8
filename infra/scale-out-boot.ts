import { bootSpecFor, tlsParameterNames } from "./boot-spec.ts";
import { LAUNCH_HOOK, TERMINATE_HOOK, workerGroupName } from "./decisions/scaling.ts";
import type { StoragePlan } from "./decisions/storage.ts";
import { storagePlanFor } from "./plan.ts";
import type { StackSettings } from "./settings.ts";
import type { BootSpec } from "./user-data/spec.ts";
import type { WorkersSettings } from "./workers-schema.ts";

/** The scale-out tiers; the single box is role `all`. */
export type ScaleOutRole = "api" | "worker";

/** SSM parameter of the queue URL (a SecureString: it carries the queue's auth token). */
export function queueUrlParameterName(stack: string): string {
  return `/i2v/${stack}/queue-url`;
}

/** Deploy-time facts of a scale-out boot (placeholders when printed without AWS). */
export interface ScaleOutFacts {
  stack: string;
  imageUri: string;
  tokenParameterName: string | undefined;
  /** `s3://<bucket>/<prefix>`: the bucket's name is only known after `pulumi up`. */
  storageUrl: string;
}

/** Worker types (instanceType + fallbacks, in order) and the one storage plan all of them share. */
export function workerTypesAndStorage(settings: StackSettings, types: string[]): StoragePlan {
  // EBS for the weights as soon as one type lacks instance store: one launch template fits all types.
  const plans = types.map((type) => storagePlanFor(settings, type));
  return plans.find((plan) => plan.kind === "ebs") ?? (plans[0] as StoragePlan);
}

/**
 * What a scale-out box boots with: the single box's spec plus its role, the role's environment for
 * the runtime (I2V_ROLE, I2V_STORAGE, ...; the queue URL comes from SSM, not from here), TLS for
 * the API, the lifecycle hooks for workers. Used by the program and by `npm run user-data --role`.
 */
export function scaleOutBootSpec(
  settings: StackSettings,
  workers: WorkersSettings,
  role: ScaleOutRole,
  storage: StoragePlan,
  facts: ScaleOutFacts,
): BootSpec {
  const roleEnv: Record<string, string> = {
    I2V_ROLE: role,
    I2V_STORAGE: facts.storageUrl,
    I2V_STACK: facts.stack,
    AWS_REGION: settings.region,
    ...(role === "api"
      ? { I2V_METRICS_NAMESPACE: settings.metricsNamespace }
      : { I2V_DRAIN_TIMEOUT_S: String(workers.drainTimeoutSeconds) }),
  };
  const base = bootSpecFor({ ...settings, runtimeEnv: { ...settings.runtimeEnv, ...roleEnv } }, storage, {
    imageUri: facts.imageUri,
    tokenParameterName: facts.tokenParameterName,
    tls: role === "api" ? tlsParameterNames(facts.stack) : undefined,
  });
  return {
    ...base,
    role,
    queueUrlParameterName: queueUrlParameterName(facts.stack),
    ...(role === "worker"
      ? {
          lifecycle: {
            groupName: workerGroupName(facts.stack),
            terminateHook: TERMINATE_HOOK,
            launchHook: workers.warmPool > 0 ? LAUNCH_HOOK : undefined,
          },
          drainTimeoutSeconds: workers.drainTimeoutSeconds,
        }
      : {}),
  };
}
