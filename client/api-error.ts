import { UserError } from "../runtime/src/util/user-facing-error.ts";
import type { ApiErrorBody } from "./types.ts";

/**
 * An error a user of the client can act on. `hint` says what to do about it, so the CLI helper
 * (scripts/lib/cli.ts) prints it as a user error rather than a bug.
 */
export class ClientError extends UserError {
  override name = "ClientError";
  declare readonly code: string;
  constructor(
    code: string,
    message: string,
    hint: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message, hint, { code });
  }
}

/** An error answer from the API: the server's code, message and hint, plus the HTTP status. */
export class ApiError extends ClientError {
  constructor(
    readonly status: number,
    body: ApiErrorBody,
    readonly retryAfterS?: number,
  ) {
    super(body.code, body.message, body.hint ?? "See docs/api.md for this error code.", body.details);
    this.name = "ApiError";
  }
}

/** Reads `{error: {...}}` from a failed response; anything else becomes a generic error body. */
export async function apiErrorFrom(response: Response, what: string): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let body: ApiErrorBody | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: ApiErrorBody };
    if (parsed.error && typeof parsed.error.message === "string") body = parsed.error;
  } catch {
    // Not JSON: a proxy or a server that does not follow the contract; show what it said.
  }
  const retryAfter = Number(response.headers.get("retry-after"));
  return new ApiError(
    response.status,
    body ?? {
      code: `http_${response.status}`,
      message: `${what} answered HTTP ${response.status}: ${text.slice(0, 200) || response.statusText}`,
      hint: "Check that --url points at an i2v runtime.",
    },
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}
