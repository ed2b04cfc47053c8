import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";

/** Arguments for {@link ImageBucket}. */
export interface ImageBucketArgs {
  /** Globally unique bucket name (3-63 lower-case letters, digits, dashes). */
  bucketName: pulumi.Input<string>;
  /** The archive's key (infra/alicloud/boot-spec.ts archiveObject). */
  object: string;
  tags: Tags;
}

/**
 * The free way to get the runtime image to the box (no ACR Enterprise fee): a private,
 * server-side-encrypted OSS bucket that holds the verified offline archive of
 * `npm run bake-image -- --offline` and its manifest. The box downloads both over the region's
 * internal endpoint with its RAM role, checks the archive against the manifest and `docker load`s it.
 */
export class ImageBucket extends pulumi.ComponentResource {
  public readonly bucket: pulumi.Output<string>;
  /** The archive's key; its manifest is `<object>.manifest.json`. */
  public readonly object: string;

  constructor(name: string, args: ImageBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:ImageBucket", name, {}, opts);
    const bucket = new alicloud.oss.Bucket(
      `${name}-bucket`,
      {
        bucket: args.bucketName,
        storageClass: "Standard",
        serverSideEncryptionRule: { sseAlgorithm: "AES256" },
        // Images can be pushed again at any time; `pulumi destroy` removes what is in the bucket.
        forceDestroy: true,
        tags: args.tags,
      },
      { parent: this },
    );
    new alicloud.oss.BucketAcl(`${name}-acl`, { bucket: bucket.bucket, acl: "private" }, { parent: this });
    new alicloud.oss.BucketPublicAccessBlock(
      `${name}-no-public`,
      { bucket: bucket.bucket, blockPublicAccess: true },
      { parent: this },
    );
    this.bucket = bucket.bucket;
    this.object = args.object;
    this.registerOutputs({ bucket: this.bucket });
  }
}
