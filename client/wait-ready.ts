import { withDeadline } from "../runtime/src/util/deadline.ts";
import { sleep } from "../runtime/src/util/sleep.ts";
import type { ApiClient } from "./api-client.ts";
import { apiErrorFrom, ClientError } from "./api-error.ts";
import { speaksTls } from "./protocol-sniff.ts";

/** What else a wait may need besides the client and the deadline. */
export interface WaitReadyOptions {
  /** The path polled (default /readyz; /livez answers before the model is loaded). */
  path?: string;
  /** Runs before each poll; what it throws ends the wait at once (e.g. the container exited). */
  beforePoll?: () => Promise<void> | void;
  /**
   * Refused connections alone for this long mean nothing is there (not "still starting"): fail
   * then with `not_listening`. For a service on this machine, which listens before it loads its
   * model. Default: refusals are waited out until the deadline (a remote box may still boot).
   */
  refusedGraceMs?: number;
  /** Progress while waiting: what the service last said, at most every `progressEveryMs`. */
  onWait?: (line: string) => void;
  progressEveryMs?: number;
}

/**
 * Polls GET /readyz until it answers 200, for at most `timeoutMs`, and resolves with the answer's
 * body. A service that is still loading its model answers 503; a box that is still booting refuses
 * connections, or (behind Docker's port proxy) accepts and drops them: all are waited out. 401 is
 * not: a wrong token will not fix itself. The one wait-until-ready of the repository (the smoke
 * test, the image bakes, local deployments and their tests use it).
 */
export async function waitReady(
  client: ApiClient,
  timeoutMs: number,
  signal?: AbortSignal,
  intervalMs = 500,
  options: WaitReadyOptions = {},
): Promise<string> {
  const path = options.path ?? "/readyz";
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last = "no answer yet";
  // Whether anything ever answered or accepted: refusals alone mean nothing listens there.
  let onlyRefused = true;
  let sniffed = false;
  let lastProgress = started;
  for (;;) {
    await options.beforePoll?.();
    try {
      // Each poll has its own 5 s deadline, covering the body too: a hung answer is "not yet".
      const answer = await withDeadline(5000, signal, async (pollSignal) => {
        const response = await client.fetch(path, { signal: pollSignal });
        if (response.status === 401) throw await apiErrorFrom(response, `GET ${path}`);
        const body = await response.text().catch((error: Error) => {
          throw new ClientError(
            "unreachable",
            `${client.url(path)} dropped its answer: ${error.message}`,
            "Retried until the deadline.",
          );
        });
        return { ok: response.ok, status: response.status, body };
      });
      if (answer.ok) return answer.body;
      onlyRefused = false;
      last = `HTTP ${answer.status} ${answer.body.slice(0, 120)}`;
    } catch (error) {
      // A refused connection or a slow answer means "not up yet"; anything else is a real error.
      const transient =
        (error as Error).name === "TimeoutError" ||
        (error instanceof ClientError && error.code === "unreachable");
      if (signal?.aborted || !transient) throw error;
      last = (error as Error).message;
      const network = error instanceof ClientError ? error.details?.network : undefined;
      if (network !== "ECONNREFUSED") onlyRefused = false;
      // Accepted, then closed without an answer: an HTTPS server does that to plain HTTP.
      if (!sniffed && CLOSED.has(String(network)) && client.baseUrl.startsWith("http:")) {
        sniffed = true;
        const { hostname, port } = new URL(client.baseUrl);
        if (await speaksTls(hostname.replace(/^\[|\]$/g, ""), Number(port || 80))) {
          throw new ClientError(
            "wrong_protocol",
            `${client.baseUrl} speaks HTTPS: it closed the plain-HTTP request and completed a TLS handshake.`,
            `Use ${client.baseUrl.replace(/^http:/, "https:")} (with --ca for a deployment's private CA).`,
          );
        }
      }
    }
    const waited = Date.now() - started;
    if (onlyRefused && options.refusedGraceMs !== undefined && waited >= options.refusedGraceMs) {
      throw notListening(client, waited);
    }
    if (options.onWait && Date.now() - lastProgress >= (options.progressEveryMs ?? 10_000)) {
      lastProgress = Date.now();
      options.onWait(
        `still waiting for ${client.url(path)} (${Math.round(waited / 1000)} s of ${Math.round(timeoutMs / 1000)} s): ${last.trim()}`,
      );
    }
    if (Date.now() + intervalMs > deadline) {
      if (onlyRefused && options.refusedGraceMs !== undefined) throw notListening(client, waited);
      throw new ClientError(
        "not_ready",
        `${client.url(path)} did not report ready within ${Math.round(timeoutMs / 1000)} s (last: ${last.trim()}).`,
        "Check the service's log (model loading, out of memory), or raise --timeout on a slow first start.",
      );
    }
    await sleep(intervalMs, signal);
  }
}

/** undici's and the socket's words for a connection closed without an answer. */
const CLOSED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "UND_ERR_CLOSED"]);

function notListening(client: ApiClient, waitedMs: number): ClientError {
  const { host } = new URL(client.baseUrl);
  return new ClientError(
    "not_listening",
    `Nothing is listening at ${host}: every connection was refused (ECONNREFUSED) for ${Math.round(waitedMs / 1000)} s.`,
    "Start the runtime (npm start listens on http://localhost:7860; PORT changes it) or fix the port in --url.",
  );
}
