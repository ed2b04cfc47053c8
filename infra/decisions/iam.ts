/** An IAM policy document (the subset this stack writes). */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** One IAM statement. */
export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** What the box's role must be able to read. */
export interface BoxPermissionsInput {
  /** ARN of the ECR repository holding the image, when the image is in ECR. */
  repositoryArn: string | undefined;
  /** ARN of the SSM parameter holding the API token, when a token is configured. */
  tokenParameterArn: string | undefined;
  /** ARNs of the SSM parameters holding the server certificate, CA and key, when TLS is on. */
  tlsParameterArns?: string[] | undefined;
}

/** Trust policy: only the EC2 service may assume the box's role. */
export const EC2_ASSUME_ROLE = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Ec2AssumeRole",
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Principal: { Service: "ec2.amazonaws.com" },
    },
  ],
} as const;

/**
 * The role's inline policy, least privilege:
 * - Session Manager only. AWS's AmazonSSMManagedInstanceCore also grants `ssm:GetParameter(s)` on
 *   every parameter in the account, which would let the box read other stacks' secrets; these five
 *   actions are what Session Manager needs (Run Command would need more, and is not used).
 * - ECR pull from the one repository (GetAuthorizationToken cannot be scoped to a resource).
 * - The one token parameter and the TLS material's three. They are encrypted with the AWS managed key `aws/ssm`, whose key policy
 *   already allows decryption through SSM for principals in the account, so no kms statement.
 */
export function boxPolicy(input: BoxPermissionsInput): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Sid: "SessionManager",
      Effect: "Allow",
      Action: [
        "ssm:UpdateInstanceInformation",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
      ],
      Resource: "*",
    },
  ];
  if (input.repositoryArn) {
    statements.push(
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "EcrPull",
        Effect: "Allow",
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        Resource: input.repositoryArn,
      },
    );
  }
  if (input.tokenParameterArn) {
    statements.push({
      Sid: "ReadApiToken",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: input.tokenParameterArn,
    });
  }
  if (input.tlsParameterArns && input.tlsParameterArns.length > 0) {
    statements.push({
      Sid: "ReadTlsMaterial",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: input.tlsParameterArns,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** The ARN of an ECR repository named in an image reference. */
export function ecrRepositoryArn(
  partition: string,
  region: string,
  accountId: string,
  repository: string,
): string {
  return `arn:${partition}:ecr:${region}:${accountId}:repository/${repository}`;
}

/** What the scale-out roles share: the box's reads plus the queue URL and the job bucket. */
export interface ScaleOutPermissionsInput extends BoxPermissionsInput {
  /** SSM SecureString holding the queue URL (with its auth token). */
  queueUrlParameterArn: string;
  /** The job bucket's ARN. */
  bucketArn: string;
  /** The key prefix jobs live under (no leading or trailing slash). */
  prefix: string;
}

/**
 * The API role: the box's reads, the queue URL, job objects under the prefix (it stores inputs,
 * streams results and deletes cancelled jobs' files), and PutMetricData into its own namespace only.
 * PutMetricData has no resource type; the `cloudwatch:namespace` condition key is how it is scoped.
 */
export function apiPolicy(input: ScaleOutPermissionsInput & { metricsNamespace: string }): PolicyDocument {
  const base = boxPolicy(input);
  base.Statement.push(...jobStatements(input, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]), {
    Sid: "PublishBacklogMetrics",
    Effect: "Allow",
    Action: ["cloudwatch:PutMetricData"],
    Resource: "*",
    Condition: { StringEquals: { "cloudwatch:namespace": input.metricsNamespace } },
  });
  return base;
}

/**
 * A worker: the box's reads (no TLS: workers take no inbound traffic), the queue URL, read inputs
 * and write results under the prefix, and complete its own group's lifecycle actions (the drain hook).
 */
export function workerPolicy(input: ScaleOutPermissionsInput & { groupArn: string }): PolicyDocument {
  const base = boxPolicy({ ...input, tlsParameterArns: undefined });
  base.Statement.push(...jobStatements(input, ["s3:GetObject", "s3:PutObject"]), {
    Sid: "DrainHook",
    Effect: "Allow",
    Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"],
    Resource: input.groupArn,
  });
  return base;
}

function jobStatements(input: ScaleOutPermissionsInput, objectActions: string[]): PolicyStatement[] {
  return [
    {
      Sid: "ReadQueueUrl",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: input.queueUrlParameterArn,
    },
    {
      Sid: "JobObjects",
      Effect: "Allow",
      Action: objectActions,
      Resource: `${input.bucketArn}/${input.prefix}/*`,
    },
    {
      Sid: "ListJobs",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: input.bucketArn,
      Condition: { StringLike: { "s3:prefix": [`${input.prefix}/*`] } },
    },
  ];
}
