import { MirrorUserError } from "../errors.ts";

/** A mirror answered, but not with success: 4xx or 5xx. Failover moves on to the next mirror. */
export class HttpStatusError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super(`HTTP ${status} from ${url}`);
    this.name = "HttpStatusError";
  }
}

/** What a mirror served did not match the expected digest. Failover moves on to the next mirror. */
export class ChecksumMismatchError extends Error {
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`checksum mismatch for ${what}: expected ${expected}, got ${actual}`);
    this.name = "ChecksumMismatchError";
  }
}

// Codes Node and undici use for transport failures: the mirror, not the step, is at fault.
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * True for failures that another mirror may not have: network errors (including fetch's
 * "fetch failed"/"terminated" TypeErrors), per-attempt timeouts, HTTP errors and checksum
 * mismatches. Anything else (a bug, a bad argument) is not retried, so it is not hidden.
 */
export function isMirrorFault(error: unknown): boolean {
  if (error instanceof HttpStatusError || error instanceof ChecksumMismatchError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === "TimeoutError") return true;
  const code = (error as { code?: string }).code;
  if (code && NETWORK_CODES.has(code)) return true;
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof TypeError && (error.message === "fetch failed" || error.message === "terminated"))
    return true;
  return cause !== undefined && cause !== error && isMirrorFault(cause);
}

/** Every candidate failed; the message lists each one's reason. */
export class MirrorsExhaustedError extends MirrorUserError {
  constructor(readonly failures: { mirror: string; error: unknown }[]) {
    const lines = failures.map(
      (f) => `${f.mirror}: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
    );
    super(
      "MIRRORS_EXHAUSTED",
      `every mirror failed:\n  ${lines.join("\n  ")}`,
      "run `npm run mirrors -- probe --fresh` to see which mirrors are healthy from here, or use --mirror upstream",
    );
    this.name = "MirrorsExhaustedError";
  }
}
