/**
 * The box's RAM role: trusted by ECS only, allowed to read the image from the stack's own bucket (or
 * pull from the one ACR repository) and read the stack's own secret parameters. RAM policy language "Version 1" (Alibaba's RAM policy syntax).
 */
export interface RamStatement {
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

export interface RamPolicyDocument {
  Version: "1";
  Statement: RamStatement[];
}

/** Trust policy: only the ECS service may assume the role. */
export const ECS_TRUST_POLICY = {
  Version: "1",
  Statement: [{ Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: ["ecs.aliyuncs.com"] } }],
} as const;

/** What the box reads, by name; the account id and region complete the ARNs. */
export interface BoxGrants {
  region: string;
  accountId: string;
  /** The ACR Enterprise instance, namespace and repository the image lives in. */
  registry: { instanceId: string; namespace: string; repository: string } | undefined;
  /** The stack's image bucket: the box reads its objects (the offline archive and its manifest). */
  imageBucket: string | undefined;
  /** OOS secret parameter names (the token, the TLS key). */
  secretParameters: string[];
}

/** The ARN of an OOS secret parameter (OOS API reference, GetSecretParameter: RAM authorization). */
export function secretParameterArn(region: string, accountId: string, name: string): string {
  return `acs:oos:${region}:${accountId}:secretparameter/${name.replace(/^\//, "")}`;
}

/**
 * Least privilege, one statement per need:
 * - OSS: read the objects of the stack's image bucket, nothing else (no list, no other bucket).
 * - ACR: a temporary login for the one instance, and pull from the one repository.
 * - OOS: the stack's secret parameters by name.
 * - KMS: OOS documents that GetSecretParameter also needs KMS GetSecretValue for the caller. How
 *   OOS names the KMS secret behind a parameter is not documented in what we could read, so this
 *   one is scoped to secrets of this account and region, read-only: the one grant wider than we
 *   want (docs/infra.md says so).
 */
export function boxRamPolicy(grants: BoxGrants): RamPolicyDocument {
  const { region, accountId } = grants;
  const statements: RamStatement[] = [];
  if (grants.imageBucket)
    statements.push({
      Effect: "Allow",
      Action: ["oss:GetObject"],
      Resource: [`acs:oss:*:${accountId}:${grants.imageBucket}/*`],
    });
  if (grants.registry) {
    const { instanceId, namespace, repository } = grants.registry;
    statements.push(
      {
        Effect: "Allow",
        Action: ["cr:GetAuthorizationToken"],
        Resource: [`acs:cr:${region}:${accountId}:instance/${instanceId}`],
      },
      {
        Effect: "Allow",
        Action: ["cr:PullRepository"],
        Resource: [`acs:cr:${region}:${accountId}:repository/${instanceId}/${namespace}/${repository}`],
      },
    );
  }
  if (grants.secretParameters.length > 0) {
    statements.push(
      {
        Effect: "Allow",
        Action: ["oos:GetSecretParameter"],
        Resource: grants.secretParameters.map((name) => secretParameterArn(region, accountId, name)),
      },
      {
        Effect: "Allow",
        Action: ["kms:GetSecretValue"],
        Resource: [`acs:kms:${region}:${accountId}:secret/*`],
      },
    );
  }
  return { Version: "1", Statement: statements };
}
