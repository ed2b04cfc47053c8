import { httpError } from "./errors.ts";
import { authHeaders, type HttpContext } from "./http.ts";
import { isTransientStatus } from "./retry.ts";
import type { RemoteFile } from "./types.ts";

/** A transient answer (429, 5xx) to retry after a wait. */
export class TransientHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfter: string | null,
    readonly errorCode: string | null,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The file's contents changed upstream: the lock (or the listing) no longer describes it. */
export class UpstreamChangedError extends Error {}

const MAX_REDIRECTS = 5;

/** Drops quotes and a weak marker, as huggingface_hub normalizes ETags. */
export function normalizeEtag(etag: string | null): string | null {
  return etag ? etag.replace(/^W\//, "").replace(/^"|"$/g, "") : null;
}

/**
 * Opens the body of `file` from byte `offset`. Redirects are followed by hand so that the Hub's own
 * headers (X-Repo-Commit, X-Linked-Etag) can be checked before a byte is written, and so that the
 * token is not sent to the CDN (a presigned URL refuses a second credential).
 */
export async function openRange(
  url: string,
  file: RemoteFile,
  offset: number,
  expect: { commit?: string },
  ctx: HttpContext,
  signal: AbortSignal,
): Promise<Response> {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const res = await fetch(current, {
      redirect: "manual",
      signal,
      headers: {
        "accept-encoding": "identity",
        ...(offset > 0 ? { range: `bytes=${offset}-` } : {}),
        ...(sameOrigin ? authHeaders(ctx.token) : {}),
      },
    });
    if (sameOrigin) checkHubHeaders(res, file, expect, current);
    if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
      await res.body?.cancel();
      current = new URL(res.headers.get("location") as string, current).href;
      continue;
    }
    if (res.ok || res.status === 416) return res;
    const errorCode = res.headers.get("x-error-code");
    await res.body?.cancel();
    if (isTransientStatus(res.status)) {
      throw new TransientHttpError(res.status, current, res.headers.get("retry-after"), errorCode);
    }
    throw httpError({ status: res.status, url: current, repo: ctx.repo, errorCode });
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects for ${url}`);
}

/** Compares the Hub's description of the file with what we expect, when the Hub gives one. */
function checkHubHeaders(res: Response, file: RemoteFile, expect: { commit?: string }, url: string): void {
  const commit = res.headers.get("x-repo-commit");
  if (!commit) return; // not a Hub answer (ModelScope, a CDN): nothing to compare
  if (expect.commit && commit !== expect.commit) {
    throw new UpstreamChangedError(`${url} served commit ${commit}, expected ${expect.commit}`);
  }
  const etag = normalizeEtag(res.headers.get("x-linked-etag") ?? res.headers.get("etag"));
  if (etag && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(etag) && etag !== file.digest.hex) {
    throw new UpstreamChangedError(`${url} describes ${file.path} as ${etag}, expected ${file.digest.hex}`);
  }
}
