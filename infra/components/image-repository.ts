import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../decisions/tags.ts";

/** Arguments for {@link ImageRepository}. */
export interface ImageRepositoryArgs {
  /** Untagged images kept before the lifecycle policy expires older ones. @default 10 */
  keepImages?: number;
  /** Delete the repository with its images on `pulumi destroy`. @default false */
  forceDelete?: boolean;
  /** Tags for every child. */
  tags: Tags;
}

/** The ECR repository the baked image is pushed to and the box pulls from. */
export class ImageRepository extends pulumi.ComponentResource {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, without a tag. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** The repository ARN, for the box's pull permission. */
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ImageRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:ImageRepository", name, {}, opts);
    const repository = createRepository(this);
    createLifecyclePolicy(this, repository);

    this.repositoryUrl = repository.repositoryUrl;
    this.arn = repository.arn;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, arn: this.arn });

    function createRepository(parent: ImageRepository): aws.ecr.Repository {
      return new aws.ecr.Repository(
        `${name}-repo`,
        {
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfigurations: [{ encryptionType: "AES256" }],
          forceDelete: args.forceDelete ?? false,
          tags: args.tags,
        },
        { parent },
      );
    }

    function createLifecyclePolicy(parent: ImageRepository, repository: aws.ecr.Repository): void {
      // Baked images are multi-GB; untagged leftovers from re-pushes cost storage every month.
      const policy = {
        rules: [
          {
            rulePriority: 1,
            description: "expire untagged images beyond the newest few",
            selection: {
              tagStatus: "untagged",
              countType: "imageCountMoreThan",
              countNumber: args.keepImages ?? 10,
            },
            action: { type: "expire" },
          },
        ],
      };
      new aws.ecr.LifecyclePolicy(
        `${name}-lifecycle`,
        { repository: repository.name, policy: JSON.stringify(policy) },
        { parent },
      );
    }
  }
}
