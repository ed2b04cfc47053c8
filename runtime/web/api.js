// @ts-check
/** Talks to the runtime's API: the bearer token, JSON errors, and the token prompt on 401. */

const TOKEN_KEY = "i2v.token";

/** @typedef {{code: string, message: string, hint?: string, details?: Record<string, unknown>}} ErrorBody */

/** An error answer from the API, with the server's message and hint. */
export class ApiError extends Error {
  /** @param {number} status @param {ErrorBody} body */
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.hint = body.hint ?? "";
  }
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY) ?? "";
}

/** @param {string} token */
export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Takes `?token=` from the page's address once (a link the deploy printed), keeps it, and hides it. */
export function adoptTokenFromUrl() {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  setToken(token);
  url.searchParams.delete("token");
  history.replaceState(null, "", url);
}

/**
 * A URL for what the browser fetches by itself (EventSource, <video>, download links): those cannot
 * send an Authorization header, so the token rides in `access_token`.
 * @param {string} path
 */
export function withToken(path) {
  const token = getToken();
  if (!token) return path;
  const url = new URL(path, location.href);
  url.searchParams.set("access_token", token);
  return url.pathname + url.search;
}

/** @type {() => Promise<boolean>} */
let askForToken = async () => false;

/** Registers the prompt that asks the user for a token; resolves true when one was given. */
export function onUnauthorized(/** @type {() => Promise<boolean>} */ ask) {
  askForToken = ask;
}

/** @type {Promise<boolean> | undefined} */
let asking;

/**
 * fetch + JSON with the token. On 401 it asks for a token (once, however many requests failed)
 * and retries; any other error answer becomes an ApiError carrying the server's hint.
 * @param {string} path @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function api(path, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(init.headers);
    const token = getToken();
    if (token) headers.set("authorization", `Bearer ${token}`);
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch {
      throw new ApiError(0, {
        code: "unreachable",
        message: "The service did not answer.",
        hint: "Check that it is running and that this page's address is right, then try again.",
      });
    }
    if (response.status === 401 && attempt < 3) {
      // Answered before another request's prompt got a new token: retry with it, do not ask again.
      if (getToken() !== token) continue;
      asking ??= askForToken().finally(() => {
        asking = undefined;
      });
      if (await asking) continue;
    }
    if (response.ok) return response.json();
    throw new ApiError(response.status, await errorBody(response));
  }
}

/** @param {Response} response @returns {Promise<ErrorBody>} */
async function errorBody(response) {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body?.error?.message) return body.error;
  } catch {
    // Not JSON (a proxy's page): fall through to a generic message.
  }
  return {
    code: `http_${response.status}`,
    message: `The service answered ${response.status} ${response.statusText}.`,
    hint: text.slice(0, 200),
  };
}
