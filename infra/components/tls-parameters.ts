import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../decisions/tags.ts";
import type { TlsParameterNames } from "../user-data/spec.ts";

/** Arguments for {@link TlsParameters}. */
export interface TlsParametersArgs {
  /** The parameter names (the box reads them by name). */
  names: TlsParameterNames;
  certPem: pulumi.Input<string>;
  caCertPem: pulumi.Input<string>;
  /** The private key; stored as a SecureString and passed on as a Pulumi secret. */
  privateKeyPem: pulumi.Input<string>;
  /** Tags for every child. */
  tags: Tags;
}

/**
 * The server's certificate material in SSM Parameter Store, where the box fetches it at every start
 * (and on `systemctl reload`): the key as a SecureString (KMS-encrypted with `aws/ssm`), the two
 * certificates as plain parameters. Never user data: a renewed certificate then needs no new
 * instance, and the key is not readable through ec2:DescribeInstanceAttribute.
 */
export class TlsParameters extends pulumi.ComponentResource {
  /** ARNs of the three parameters, for the reader's IAM policy. */
  public readonly arns: pulumi.Output<string[]>;

  constructor(name: string, args: TlsParametersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:TlsParameters", name, {}, opts);
    const parameter = (
      suffix: string,
      type: "String" | "SecureString",
      value: pulumi.Input<string>,
      what: string,
    ) =>
      new aws.ssm.Parameter(
        `${name}-${suffix}`,
        {
          name: args.names[suffix as keyof TlsParameterNames],
          type,
          value,
          description: what,
          tags: args.tags,
        },
        { parent: this },
      );
    const cert = parameter("cert", "String", args.certPem, "i2v server certificate (PEM)");
    const ca = parameter("ca", "String", args.caCertPem, "i2v stack CA certificate (PEM)");
    const key = parameter(
      "key",
      "SecureString",
      pulumi.secret(args.privateKeyPem),
      "i2v server private key (PEM)",
    );
    this.arns = pulumi.all([cert.arn, ca.arn, key.arn]);
    this.registerOutputs({ arns: this.arns });
  }
}
