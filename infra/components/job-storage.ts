import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../decisions/tags.ts";

/** Arguments for {@link JobStorage}. */
export interface JobStorageArgs {
  /** Key prefix the runtime keeps job inputs and results under. @default "jobs" */
  prefix?: string;
  /** Days until an object under the prefix expires. */
  expireDays: number;
  /** Delete the bucket with its objects on `pulumi destroy`. @default false */
  forceDestroy?: boolean;
  /** Tags for every child. */
  tags: Tags;
}

/**
 * The scale-out's shared storage (`I2V_STORAGE=s3://bucket/prefix`): encrypted at rest (SSE-S3),
 * every public access path blocked, TLS-only by bucket policy, ACLs off (owner enforced), and job
 * objects expired by a lifecycle rule so results do not pile up and bill forever.
 */
export class JobStorage extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly bucketArn: pulumi.Output<string>;
  /** `s3://<bucket>/<prefix>`, the runtime's I2V_STORAGE. */
  public readonly storageUrl: pulumi.Output<string>;
  public readonly prefix: string;

  constructor(name: string, args: JobStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:JobStorage", name, {}, opts);
    const parent = { parent: this };
    const prefix = args.prefix ?? "jobs";
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { forceDestroy: args.forceDestroy ?? false, tags: args.tags },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      },
      parent,
    );
    const publicBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-expiry`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-jobs",
            status: "Enabled",
            filter: { prefix: `${prefix}/` },
            expiration: { days: args.expireDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyPlainHttp",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      // A bucket policy put before the public access block could be refused as public; order them.
      { parent: this, dependsOn: [publicBlock] },
    );

    this.prefix = prefix;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.storageUrl = pulumi.interpolate`s3://${bucket.bucket}/${prefix}`;
    this.registerOutputs({ bucketName: this.bucketName, storageUrl: this.storageUrl });
  }
}
