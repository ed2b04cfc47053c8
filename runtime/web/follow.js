// @ts-check
import { api, withToken } from "./api.js";

const EVENTS = ["queued", "started", "progress", "succeeded", "failed", "canceled"];
const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/** @param {{status: string}} job */
export function isTerminal(job) {
  return TERMINAL.has(job.status);
}

/**
 * Follows a job over server-sent events until it ends. EventSource retries by itself when the
 * connection drops; when it gives up (an HTTP error such as 401), polling takes over, which goes
 * through api() and so can ask for a token.
 * @param {string} id
 * @param {(job: import("./contract").Job) => void} onUpdate
 * @param {(error: unknown) => void} onError
 * @returns {() => void} stops following
 */
export function followJob(id, onUpdate, onError) {
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const source = new EventSource(withToken(`/v1/jobs/${encodeURIComponent(id)}/events`));
  const handle = (/** @type {import("./contract").Job} */ job) => {
    if (stopped) return;
    onUpdate(job);
    if (isTerminal(job)) stop();
  };
  for (const name of EVENTS) {
    source.addEventListener(name, (event) => handle(JSON.parse(/** @type {MessageEvent} */ (event).data)));
  }
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && !stopped) poll();
  };
  const poll = async () => {
    source.close();
    try {
      handle(await api(`/v1/jobs/${encodeURIComponent(id)}`));
      if (!stopped) timer = setTimeout(poll, 1000);
    } catch (error) {
      if (!stopped) onError(error);
    }
  };
  const stop = () => {
    stopped = true;
    source.close();
    clearTimeout(timer);
  };
  return stop;
}
