import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Arguments for {@link ServerCertificate}. */
export interface ServerCertificateArgs {
  /** IP addresses the certificate is valid for (subject alternative names). */
  ipAddresses?: pulumi.Input<string>[];
  /** DNS names the certificate is valid for. */
  dnsNames?: pulumi.Input<string>[];
}

/**
 * A private CA and a server certificate signed by it, for HTTPS on a box without a public DNS
 * name. Clients trust `caCertPem` (`npm run smoke -- --ca FILE`). Minimal version written by the
 * alicloud branch against the interface agreed with infra-aws; theirs replaces it at merge.
 */
export class ServerCertificate extends pulumi.ComponentResource {
  /** The private CA's certificate (public). */
  public readonly caCertPem: pulumi.Output<string>;
  /** The server certificate (public). */
  public readonly certPem: pulumi.Output<string>;
  /** The server's private key, a Pulumi secret. */
  public readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: ServerCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:ServerCertificate", name, {}, opts);
    const caKey = new tls.PrivateKey(
      `${name}-ca-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        isCaCertificate: true,
        subject: { commonName: `${name} private CA` },
        validityPeriodHours: 24 * 365 * 2,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      { parent: this },
    );
    const key = new tls.PrivateKey(
      `${name}-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const request = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: name },
        ipAddresses: args.ipAddresses,
        dnsNames: args.dnsNames,
      },
      { parent: this },
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: caKey.privateKeyPem,
        caCertPem: ca.certPem,
        validityPeriodHours: 24 * 365,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      { parent: this },
    );
    this.caCertPem = ca.certPem;
    this.certPem = cert.certPem;
    this.privateKeyPem = pulumi.secret(key.privateKeyPem);
    this.registerOutputs({ caCertPem: this.caCertPem, certPem: this.certPem });
  }
}
