/**
 * The runtime's HTTP API as a client sees it: the contract's own types (runtime/src/contract),
 * not a copy. The client also validates every job it receives against the contract's schema
 * (client/contract.ts), so the smoke test checks the wire format, not what the server believes it sends.
 */
import type { JobStatus } from "../runtime/src/contract/index.ts";

export type {
  Job,
  JobParams,
  JobStatus,
  StageName,
  WebhookEvent,
} from "../runtime/src/contract/index.ts";
export { STAGE_NAMES } from "../runtime/src/contract/index.ts";

export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "canceled"];

/** An error body as the client accepts it: the contract's envelope, or what a proxy in front sends. */
export interface ApiErrorBody {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

/** Request fields of POST /v1/jobs besides the image (all optional). */
export interface JobRequest {
  prompt?: string;
  negative_prompt?: string;
  preset?: string;
  resolution?: number;
  num_frames?: number;
  num_inference_steps?: number;
  guidance_scale?: number;
  target_fps?: number;
  seed?: number;
  scheduler?: string;
  decode_chunk_size?: number;
  client_id?: string;
  /** https URL called when the job's chosen events happen (docs/api.md, "Webhooks"). */
  webhook?: string;
  /** Comma-separated events: started, progress, completed (default completed). */
  webhook_events?: string;
}
