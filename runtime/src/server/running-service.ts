import type { Hono } from "hono";
import type { Service } from "./service.ts";

/** The version every role reports (/v1/system, the jobs log). */
export const VERSION = "0.1.0";

/** What starting a role gives back to main.ts and the tests: the same shape for every role. */
export interface RunningService {
  service: Service;
  /** The Hono app, for in-process requests (`app.request()`). */
  app: Hono;
  url: string;
  /** Resolves when the model is loaded and jobs are accepted (rejects if loading fails). */
  ready: Promise<void>;
  /** Reloads the model (same spec, re-read from disk); in-flight jobs finish on the old sessions. */
  reload(): Promise<void>;
  /**
   * Re-reads I2V_TLS_CERT and I2V_TLS_KEY for new connections (open ones keep theirs); a broken
   * file is refused and the previous certificate keeps serving. No-op on plain HTTP.
   */
  reloadCertificate(): Promise<void>;
  /** Drains: stop accepting, finish or requeue running jobs within the deadline, then close. */
  shutdown(): Promise<void>;
}
