import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";

/** Arguments for {@link AlicloudSecret}. */
export interface AlicloudSecretArgs {
  /** OOS parameter name (`i2v/<stack>/api-token`); unique per account and region. */
  parameterName: string;
  /** The secret value; it stays a Pulumi secret in state. */
  value: pulumi.Input<string>;
  description: string;
  tags: Tags;
}

/**
 * One OOS secret parameter (encrypted with KMS): how the box receives the API token and the TLS
 * key without either appearing in user data, which anyone allowed DescribeUserData can read.
 */
export class AlicloudSecret extends pulumi.ComponentResource {
  /** The parameter's name (not secret; the box reads it by name). */
  public readonly parameterName: pulumi.Output<string>;

  constructor(name: string, args: AlicloudSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:Secret", name, {}, opts);
    const parameter = new alicloud.oos.SecretParameter(
      `${name}-parameter`,
      {
        secretParameterName: args.parameterName,
        type: "Secret",
        value: pulumi.secret(args.value),
        description: args.description,
        tags: args.tags,
      },
      { parent: this },
    );
    this.parameterName = parameter.secretParameterName;
    this.registerOutputs({ parameterName: this.parameterName });
  }
}
