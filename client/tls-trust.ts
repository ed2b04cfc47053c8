import { readFile } from "node:fs/promises";
import { Agent } from "undici";
import { ClientError } from "./api-error.ts";

/**
 * The connection pool the client fetches through. With a CA file it trusts that CA only (the
 * deployment's private CA, pinned): a certificate from any other issuer, public ones included,
 * is refused. Without one it trusts the system's roots.
 */
export async function trustAgent(caFile: string | undefined, url: string): Promise<Agent> {
  if (!caFile) return new Agent();
  if (!url.startsWith("https://")) {
    throw new ClientError(
      "invalid_option",
      `--ca pins a certificate authority, but ${url} is not https.`,
      "Use the https:// endpoint the deployment printed, or drop --ca for a plain-HTTP local runtime.",
    );
  }
  let ca: string;
  try {
    ca = await readFile(caFile, "utf8");
  } catch (error) {
    throw new ClientError(
      "invalid_option",
      `Cannot read the CA file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "Save the stack's CA certificate first (pulumi stack output caCertPem > ca.pem) and pass that file.",
    );
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ClientError(
      "invalid_option",
      `${caFile} is not a PEM certificate.`,
      "Pass the CA certificate in PEM form (-----BEGIN CERTIFICATE-----), as the stack outputs it.",
    );
  }
  return new Agent({ connect: { ca } });
}

/** OpenSSL's verification codes, grouped by what the user should do about them. */
const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);
const WRONG_NAME = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH"]);
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

/**
 * Turns a failed certificate check into an error that says which check failed and what to do;
 * undefined for every other network failure. These never fix themselves, so they are not retried.
 */
export function tlsFailure(error: unknown, url: string): ClientError | undefined {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? "";
  const detail = `${code}: ${cause?.message ?? ""}`.trim();
  if (EXPIRED.has(code)) {
    return new ClientError(
      "tls_expired",
      `The certificate of ${url} is outside its validity period (${detail}).`,
      "Renew the server certificate (pulumi up replaces it; the box re-reads it on SIGHUP or restart), and check this machine's clock.",
    );
  }
  if (WRONG_NAME.has(code)) {
    return new ClientError(
      "tls_wrong_name",
      `The certificate of ${url} is not issued for this host (${detail}).`,
      "Use the address the deployment printed (the certificate names it), or re-issue the certificate for this address.",
    );
  }
  if (UNTRUSTED.has(code)) {
    return new ClientError(
      "tls_untrusted",
      `The certificate of ${url} is not signed by the trusted CA (${detail}).`,
      "Pass this deployment's CA with --ca (pulumi stack output caCertPem > ca.pem); a CA of another stack will not do.",
    );
  }
  return undefined;
}
