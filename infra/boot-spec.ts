import { parseImageRef } from "./decisions/image-ref.ts";
import type { StoragePlan } from "./decisions/storage.ts";
import type { StackSettings } from "./settings.ts";
import type { BootSpec, TlsParameterNames } from "./user-data/spec.ts";

/** The values only a deployed stack knows (or a placeholder for them, when printing without AWS). */
export interface BootFacts {
  imageUri: string;
  tokenParameterName: string | undefined;
  tls: TlsParameterNames | undefined;
}

/** Stack settings plus deploy-time facts -> what the box's boot needs. Used by the program and `npm run user-data`. */
export function bootSpecFor(settings: StackSettings, storage: StoragePlan, facts: BootFacts): BootSpec {
  const ecr = parseImageRef(facts.imageUri).ecr;
  return {
    region: settings.region,
    imageUri: facts.imageUri,
    ecr: ecr ? { registry: ecr.registry, region: ecr.region } : undefined,
    storage: storage.kind,
    tokenParameterName: facts.tokenParameterName,
    tls: facts.tls,
    weights: settings.weights,
    mirror: settings.mirror,
    runtimeEnv: settings.runtimeEnv,
    readyTimeoutSeconds: settings.readyTimeoutSeconds,
  };
}

/** The SSM parameter name of a stack's token (physical names must be unique per account and region). */
export function tokenParameterName(stack: string): string {
  return `/i2v/${stack}/api-token`;
}

/** The SSM parameter names of a stack's TLS material (the key's is a SecureString). */
export function tlsParameterNames(stack: string): TlsParameterNames {
  return { cert: `/i2v/${stack}/tls/cert`, key: `/i2v/${stack}/tls/key`, ca: `/i2v/${stack}/tls/ca` };
}
