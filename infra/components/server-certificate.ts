import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Arguments for {@link ServerCertificate}. */
export interface ServerCertificateArgs {
  /** IP addresses the certificate is valid for (subject alternative names). @default [] */
  ipAddresses?: pulumi.Input<string>[];
  /** DNS names the certificate is valid for. @default [] */
  dnsNames?: pulumi.Input<string>[];
  /** Server certificate lifetime in hours. @default 8760 (one year) */
  validityHours?: number;
  /** Within this many hours of expiry, the next `pulumi up` issues a new one. @default 720 (30 days) */
  earlyRenewalHours?: number;
  /** Organization in both subjects. @default "i2v-deploy" */
  organization?: string;
}

/**
 * A private CA of the stack's own and one server certificate it signs, both made by the maintained
 * @pulumi/tls provider (no shell-out to openssl, no key on the deploying machine's disk). Clients
 * trust the CA certificate (`caCertPem`, a stack output) instead of a public CA, which cannot sign
 * for a bare IP address. Keys are ECDSA P-256: small, fast, accepted by every TLS 1.2+ client.
 * The keys live in Pulumi state as secrets; `privateKeyPem` is a secret output.
 */
export class ServerCertificate extends pulumi.ComponentResource {
  /** The CA certificate (PEM) clients pin. */
  public readonly caCertPem: pulumi.Output<string>;
  /** The server certificate (PEM). */
  public readonly certPem: pulumi.Output<string>;
  /** The server's private key (PEM), a secret. */
  public readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: ServerCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:ServerCertificate", name, {}, opts);
    const organization = args.organization ?? "i2v-deploy";

    const caKey = new tls.PrivateKey(
      `${name}-ca-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: pulumi.secret(caKey.privateKeyPem),
        isCaCertificate: true,
        subject: { commonName: `${organization} ${name} CA`, organization },
        // Ten years: the CA is what clients pin, so it should outlive many server certificates.
        validityPeriodHours: 87_600,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      { parent: this },
    );
    const serverKey = new tls.PrivateKey(
      `${name}-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      { parent: this },
    );
    const request = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: pulumi.secret(serverKey.privateKeyPem),
        subject: { commonName: `${organization} ${name}`, organization },
        ipAddresses: args.ipAddresses ?? [],
        dnsNames: args.dnsNames ?? [],
      },
      { parent: this },
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
        caCertPem: ca.certPem,
        validityPeriodHours: args.validityHours ?? 8760,
        earlyRenewalHours: args.earlyRenewalHours ?? 720,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      { parent: this },
    );

    this.caCertPem = ca.certPem;
    this.certPem = cert.certPem;
    this.privateKeyPem = pulumi.secret(serverKey.privateKeyPem);
    this.registerOutputs({ caCertPem: this.caCertPem, certPem: this.certPem });
  }
}
