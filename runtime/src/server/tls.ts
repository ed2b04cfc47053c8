import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import { UserError } from "../util/user-facing-error.ts";

/** The PEM files named by I2V_TLS_CERT and I2V_TLS_KEY. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate chain and its key, read and checked; what `https.createServer` and `setSecureContext` take. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** The leaf certificate's end of validity, for the log. */
  validTo: string;
  /** The leaf's subject alternative names, for the log. */
  names: string;
}

/** A TLS file that cannot serve: the message names the file and the problem, the hint how to fix it. */
export class TlsConfigError extends UserError {
  override name = "TlsConfigError";
}

const HINT =
  "Point I2V_TLS_CERT at the PEM certificate chain (leaf first) and I2V_TLS_KEY at its PEM private key, both readable by the service; unset both for plain HTTP.";

/**
 * Reads and checks the certificate and key before the server uses them, so a wrong path, a DER
 * file or a key of another certificate fails with a message that names the file, not with an
 * OpenSSL error at the first handshake.
 */
export async function readTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  const cert = await readText(files.certFile, "I2V_TLS_CERT");
  const key = await readText(files.keyFile, "I2V_TLS_KEY");
  if (!cert.includes("-----BEGIN CERTIFICATE-----"))
    throw new TlsConfigError(`I2V_TLS_CERT (${files.certFile}) is not a PEM certificate.`, HINT);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key))
    throw new TlsConfigError(`I2V_TLS_KEY (${files.keyFile}) is not a PEM private key.`, HINT);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new TlsConfigError(
      `I2V_TLS_CERT (${files.certFile}) cannot be parsed: ${(error as Error).message}.`,
      HINT,
    );
  }
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(key))) throw new Error("it belongs to another certificate");
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsConfigError(
      `I2V_TLS_KEY (${files.keyFile}) does not fit I2V_TLS_CERT (${files.certFile}): ${(error as Error).message}.`,
      HINT,
    );
  }
  return { cert, key, validTo: new Date(leaf.validTo).toISOString(), names: leaf.subjectAltName ?? "" };
}

async function readText(file: string, variable: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new TlsConfigError(
      `${variable} (${file}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      HINT,
    );
  }
}
