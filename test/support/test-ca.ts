// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

/** A private CA and a server certificate it signed, as PEM (what the deployment makes with @pulumi/tls). */
export interface TestCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface TestCaOptions {
  /** Names the server certificate is for (SANs); default 127.0.0.1 and localhost. */
  ipAddresses?: string[];
  dnsNames?: string[];
  /** Validity of the server certificate; default from a day ago to a day ahead. */
  notBefore?: Date;
  notAfter?: Date;
  /** Common name of the CA, to tell two CAs apart in errors. */
  caName?: string;
}

/** Makes a real CA (basicConstraints CA, keyCertSign) and a serverAuth certificate signed by it. */
export async function makeTestCa(options: TestCaOptions = {}): Promise<TestCertificates> {
  const now = Date.now();
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.caName ?? "i2v test CA"}`,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now - 2 * DAY_MS),
    notAfter: new Date(now + 30 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const names = [
    ...(options.ipAddresses ?? ["127.0.0.1"]).map((value) => ({ type: "ip" as const, value })),
    ...(options.dnsNames ?? ["localhost"]).map((value) => ({ type: "dns" as const, value })),
  ];
  const server = await x509.X509CertificateGenerator.create({
    subject: "CN=i2v runtime",
    issuer: ca.subject,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return {
    caPem: ca.toString("pem"),
    certPem: server.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
  };
}

/** Writes ca.pem, cert.pem and key.pem into `dir` and returns their paths. */
export function writeCertificates(
  dir: string,
  certs: TestCertificates,
): { ca: string; cert: string; key: string } {
  const files = {
    ca: path.join(dir, "ca.pem"),
    cert: path.join(dir, "cert.pem"),
    key: path.join(dir, "key.pem"),
  };
  writeFileSync(files.ca, certs.caPem);
  writeFileSync(files.cert, certs.certPem);
  writeFileSync(files.key, certs.keyPem, { mode: 0o600 });
  return files;
}
