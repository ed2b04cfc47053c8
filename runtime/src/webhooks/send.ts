import http from "node:http";
import https from "node:https";
import type { AllowList } from "./address-policy.ts";
import { guardedLookup, type Resolve, WebhookRefusedError } from "./guarded-lookup.ts";
import { checkWebhookUrl } from "./target.ts";

export interface SendOptions {
  allow: AllowList;
  timeoutMs: number;
  /** Tests inject a resolver; production uses the system's (dns.lookup). */
  resolve?: Resolve;
  /** Extra CA for receivers with a private CA (tests). */
  ca?: string;
}

/** What one attempt came to: the receiver's status, or why there was none. */
export interface SendOutcome {
  status: number | null;
  error: string | null;
  /** True when the destination was refused by the SSRF policy (never connected). */
  refused: boolean;
}

const MAX_REDIRECTS = 3;
/** Only these keep the method and body (RFC 9110); a 301/302/303 is reported, not followed. */
const REDIRECTS = new Set([307, 308]);

/**
 * POSTs one signed body to the webhook. Each hop (the URL, then every redirect's Location) is
 * checked before connecting: scheme and literal addresses here, names after resolution in the
 * agent's lookup. Never throws; the outcome is recorded on the job.
 */
export async function sendWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendOutcome> {
  const lookup = guardedLookup(options.allow, options.resolve);
  let current = target;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const checked = checkWebhookUrl(current, options.allow);
    if ("problem" in checked) {
      return {
        status: null,
        error: `${hop ? "redirect to " : ""}${current} refused: ${checked.problem}`,
        refused: true,
      };
    }
    let answer: { status: number; location: string | undefined };
    try {
      answer = await post(checked.url, body, headers, lookup, options);
    } catch (error) {
      const refused = error instanceof WebhookRefusedError;
      return { status: null, error: `${refused ? "refused: " : ""}${(error as Error).message}`, refused };
    }
    if (REDIRECTS.has(answer.status) && answer.location) {
      current = new URL(answer.location, checked.url).toString();
      continue;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    return { status: answer.status, error: ok ? null : `answered HTTP ${answer.status}`, refused: false };
  }
  return { status: null, error: `more than ${MAX_REDIRECTS} redirects`, refused: false };
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  lookup: ReturnType<typeof guardedLookup>,
  options: SendOptions,
): Promise<{ status: number; location: string | undefined }> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: "POST",
      lookup,
      // A fresh connection per attempt: a pooled socket would skip the lookup (and its check).
      agent: false,
      ...(options.ca ? { ca: options.ca } : {}),
      headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      timeout: options.timeoutMs,
    });
    // The whole attempt, not only idle time, is bounded: a receiver that trickles bytes is cut too.
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on("response", (response) => {
      clearTimeout(deadline);
      // The body is not needed; read a little and drop the connection.
      response.resume();
      resolve({ status: response.statusCode ?? 0, location: response.headers.location });
      response.on("end", () => request.destroy());
    });
    request.on("error", (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.end(body);
  });
}
