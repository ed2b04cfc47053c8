import { UserError } from "../util/user-facing-error.ts";

/**
 * Errors the weights fetcher raises: the one UserError (util/user-facing-error.ts), with a `code`
 * that lets callers and tests tell them apart.
 */
export class ModelFetchError extends UserError {
  override name = "ModelFetchError";
  declare readonly code: string;
  constructor(message: string, hint: string, code: string, options?: { cause?: unknown }) {
    super(message, hint, { code, cause: options?.cause });
  }
}

/** Builds a user-facing error of the fetcher (always with a code). */
export function userError(message: string, hint: string, code: string, cause?: unknown): ModelFetchError {
  return new ModelFetchError(message, hint, code, { cause });
}

/** What the fetcher knows when an HTTP answer is final (not worth retrying). */
export interface HttpFailure {
  status: number;
  url: string;
  repo: string;
  /** The Hub's `X-Error-Code` (GatedRepo, RepoNotFound, EntryNotFound, RevisionNotFound). */
  errorCode?: string | null;
}

/** Maps a final HTTP status to an error that says what went wrong and how to fix it. */
export function httpError(f: HttpFailure): ModelFetchError {
  // The client library's expand=... query says nothing to a user; the path does.
  const where = `${f.url.replace(/\?expand=.*$/, "")} answered ${f.status}`;
  // The Hub answers 401 + RepoNotFound for a repository that does not exist (or that this token
  // may not see), so the code decides before the status does.
  if ((f.status === 401 || f.status === 403) && f.errorCode !== "RepoNotFound") {
    const gated = f.errorCode === "GatedRepo" || f.status === 403;
    return userError(
      gated
        ? `${f.repo} is gated or private and this token may not read it (${where})`
        : `${f.repo} needs authentication (${where})`,
      "accept the model's terms on its page, create a read token, then pass it with HF_TOKEN=hf_... or --token hf_...",
      "unauthorized",
    );
  }
  if (f.status === 404 || f.errorCode === "RepoNotFound") {
    const what =
      f.errorCode === "RevisionNotFound"
        ? "that revision does not exist"
        : f.errorCode === "EntryNotFound"
          ? "that file does not exist at this revision"
          : "the repository was not found (or it is private and no token was given)";
    return userError(
      `${f.repo}: ${what} (${where})`,
      "check the spelling of ORG/NAME@REVISION and the endpoint; for a private model give a token with HF_TOKEN or --token",
      "not_found",
    );
  }
  if (f.status === 429) {
    return userError(
      `${f.repo}: the server keeps rate-limiting us (${where})`,
      "wait a few minutes, give a token (rate limits are higher with one), or try another --mirror",
      "rate_limited",
    );
  }
  if (f.status >= 500) {
    return userError(
      `${f.repo}: the server kept failing (${where})`,
      "the endpoint may be down; retry later or pick another with --endpoint or --mirror",
      "server_error",
    );
  }
  return userError(`${f.repo}: unexpected answer (${where})`, "check --endpoint and --mirror", "http_error");
}
