import { MIRRORS } from "./endpoint.ts";
import { type ModelFetchError, userError } from "./errors.ts";

/**
 * Why a connection failed, from the error `fetch` throws ("fetch failed" alone says nothing; its
 * `cause` carries the system's or OpenSSL's code), in the fetcher's words with a fitting hint.
 */
export type NetworkKind = "dns" | "refused" | "tls" | "timeout" | "reset" | "other";

export interface NetworkCause {
  kind: NetworkKind;
  /** The underlying code, e.g. ENOTFOUND, ECONNREFUSED, CERT_HAS_EXPIRED. */
  code: string;
  /** True when retrying cannot help: the name does not exist, or the certificate is refused. */
  final: boolean;
}

const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH|EPROTO$)/;

/** Classifies a failed request; anything without a recognisable code is `other`. */
export function networkCause(error: unknown): NetworkCause {
  let current: unknown = error;
  // The code sits on the cause (undici), or on an error inside an AggregateError (happy eyeballs).
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") {
      if (code === "ENOTFOUND") return { kind: "dns", code, final: true };
      if (code === "EAI_AGAIN") return { kind: "dns", code, final: false };
      if (code === "ECONNREFUSED") return { kind: "refused", code, final: false };
      if (TLS_CODE.test(code)) return { kind: "tls", code, final: true };
      if (/TIMEDOUT|TIMEOUT/.test(code)) return { kind: "timeout", code, final: false };
      if (code === "ECONNRESET" || code === "EPIPE") return { kind: "reset", code, final: false };
    }
    const nested = (current as { errors?: unknown[] }).errors?.[0];
    current = (current as { cause?: unknown }).cause ?? nested;
  }
  if ((error as { name?: string })?.name === "TimeoutError")
    return { kind: "timeout", code: "TimeoutError", final: false };
  const socket = (error as { cause?: { code?: string } })?.cause?.code === "UND_ERR_SOCKET";
  return { kind: socket ? "reset" : "other", code: socket ? "UND_ERR_SOCKET" : "unknown", final: false };
}

/** Other endpoints to suggest: never the one already in use. */
function elsewhere(endpointInUse: string | undefined): string {
  const inUse = endpointInUse?.replace(/\/+$/, "");
  const others = Object.entries(MIRRORS)
    .filter(([, m]) => m.url !== inUse)
    .map(([name]) => `--mirror ${name}`);
  return [...others, "--endpoint URL"].join(", ");
}

/** The final error for a request that could not connect, naming the cause and what to do. */
export function networkError(
  error: unknown,
  url: string,
  endpointInUse: string | undefined,
  attempts: number,
): ModelFetchError {
  const cause = networkCause(error);
  const { host } = new URL(url);
  const tries = attempts > 1 ? `; gave up after ${attempts} attempts` : "";
  const other = elsewhere(endpointInUse);
  switch (cause.kind) {
    case "dns":
      return userError(
        `cannot resolve ${new URL(url).hostname}: DNS has no address for it (${cause.code})${tries}`,
        `check the spelling of the endpoint and this machine's network and DNS; or use an endpoint it can resolve: ${other}`,
        "dns",
        error,
      );
    case "refused":
      return userError(
        `${host} refused the connection (${cause.code})${tries}`,
        "nothing listens at that address and port: check the port in --endpoint or HF_ENDPOINT, or that the server runs",
        "refused",
        error,
      );
    case "tls":
      return userError(
        `the TLS connection to ${host} failed: ${cause.code}${tries}`,
        "an HTTPS proxy that inspects traffic needs its CA in NODE_EXTRA_CA_CERTS; check this machine's clock; " +
          `a plain-HTTP endpoint must be given as http://; or use another endpoint: ${other}`,
        "tls",
        error,
      );
    case "timeout":
      return userError(
        `${host} did not answer in time (${cause.code})${tries}`,
        `a firewall may drop the traffic, or the network is slow; retry, or use another endpoint: ${other}`,
        "timeout",
        error,
      );
    default:
      return userError(
        `the connection to ${host} failed (${cause.code === "unknown" ? (error as Error)?.message : cause.code})${tries}`,
        `check the network, or use another endpoint: ${other}`,
        "unreachable",
        error,
      );
  }
}
