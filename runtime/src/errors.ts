/**
 * The one registry of error codes. Every failure a user can see has a stable code, an HTTP status
 * for the API, and a hint that says how to fix it. docs/api.md lists the same table (a test keeps
 * them in step).
 */
export const ERROR_CODES = {
  invalid_image: { status: 400, hint: "Send a PNG, JPEG or WebP photo of at least 32x32 pixels." },
  image_too_large: {
    status: 413,
    hint: "Send a smaller image (see I2V_MAX_IMAGE_BYTES and I2V_MAX_IMAGE_PIXELS).",
  },
  invalid_parameters: {
    status: 400,
    hint: "Fix the listed parameters; GET /v1/presets shows the allowed values.",
  },
  invalid_request: {
    status: 400,
    hint: "Send multipart/form-data with an `image` file, or JSON with `image` as a data URL.",
  },
  payload_too_large: {
    status: 413,
    hint: "Keep the request body under the configured limit (I2V_MAX_BODY_BYTES).",
  },
  unauthorized: {
    status: 401,
    hint: "Send `Authorization: Bearer <token>` with the token the deployment printed.",
  },
  not_found: { status: 404, hint: "Check the job id; finished jobs are removed after the retention period." },
  not_ready: {
    status: 409,
    hint: "Wait until the job has succeeded (GET /v1/jobs/:id) before fetching its video.",
  },
  conflict: {
    status: 409,
    hint: "A job with this client id exists with different parameters; use a new id.",
  },
  queue_full: { status: 429, hint: "Retry after the number of seconds in the Retry-After header." },
  rate_limited: {
    status: 429,
    hint: "Slow down; retry after the number of seconds in the Retry-After header.",
  },
  insufficient_memory: {
    status: 422,
    hint: "Pick a smaller preset, fewer frames or a lower resolution; GET /v1/presets shows what fits now.",
  },
  shutting_down: { status: 503, hint: "The service is draining for a restart; retry in a few seconds." },
  model_not_ready: { status: 503, hint: "The model is still loading; poll GET /readyz." },
  backend_unavailable: {
    status: 503,
    hint: "The shared queue (I2V_QUEUE_URL) or storage (I2V_STORAGE) is not reachable; retry, and check GET /readyz.",
  },
  manifest_invalid: {
    status: 500,
    hint: "Fix the model folder's manifest.json; each problem is listed with its path.",
  },
  provider_unavailable: {
    status: 500,
    hint: "Install the provider's libraries, pick another provider (I2V_PROVIDER=cpu), or allow fallback (I2V_PROVIDER_FALLBACK=cpu).",
  },
  inference_failed: {
    status: 500,
    hint: "The model failed while running; the job log has the runtime's message.",
  },
  encode_failed: {
    status: 500,
    hint: "ffmpeg failed; check that ffmpeg with libx264 is installed (or unset I2V_FFMPEG).",
  },
  storage_failed: { status: 507, hint: "Free disk space under I2V_DATA_DIR or lower I2V_RESULTS_MAX_BYTES." },
  canceled: { status: 409, hint: "The job was canceled; submit it again to retry." },
  deadline_exceeded: {
    status: 504,
    hint: "The job ran past its deadline; pick a quicker preset or raise I2V_JOB_DEADLINE_S.",
  },
  interrupted: { status: 500, hint: "The service stopped while this job ran; submit it again." },
  internal: { status: 500, hint: "This is a bug in i2v-deploy; please report it with the job id." },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error a user can act on: a stable code, a message, the registry's hint and optional details. */
export class I2vError extends Error {
  readonly hint: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    hint?: string,
  ) {
    super(message);
    this.name = "I2vError";
    this.hint = hint ?? ERROR_CODES[code].hint;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Rebuilds an I2vError from its JSON form (errors cross the worker boundary as plain objects). */
export function errorFromJSON(value: {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}): I2vError {
  const code = (value.code in ERROR_CODES ? value.code : "internal") as ErrorCode;
  return new I2vError(code, value.message, value.details, value.hint);
}
