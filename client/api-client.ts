import { type Agent, FormData, fetch as undiciFetch } from "undici";
import { apiErrorFrom, ClientError } from "./api-error.ts";
import { parseJob } from "./contract.ts";
import { tlsFailure } from "./tls-trust.ts";
import type { Job, JobRequest } from "./types.ts";

/** OpenSSL's words for a server that answered a ClientHello in plain text. */
const PLAIN_ANSWER = /WRONG_VERSION_NUMBER|wrong version number|packet length too long|http request/i;

/**
 * A small typed client for the runtime's HTTP API, on undici's fetch so that the connection pool
 * (the trusted CA) is the caller's choice (see tls-trust.ts).
 */
export class ApiClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token?: string,
    private readonly agent?: Agent,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** Absolute URL of an API path. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** fetch with the bearer token; turns network failures into a ClientError that names the URL. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set("authorization", `Bearer ${this.token}`);
    try {
      const response = await undiciFetch(this.url(path), {
        ...(init as object),
        headers: plainHeaders(headers),
        ...(this.agent ? { dispatcher: this.agent } : {}),
      });
      return response as unknown as Response;
    } catch (error) {
      if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError") throw error;
      const tls = tlsFailure(error, this.url(path));
      if (tls) throw tls;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (this.baseUrl.startsWith("https:") && PLAIN_ANSWER.test(`${cause?.code} ${cause?.message}`)) {
        // The TLS handshake got a plain-HTTP answer: retrying will not change the protocol.
        throw new ClientError(
          "wrong_protocol",
          `${this.baseUrl} does not speak HTTPS: the TLS handshake got a plain-HTTP answer (${cause?.code ?? cause?.message}).`,
          `Use ${this.baseUrl.replace(/^https:/, "http:")}: npm start serves plain HTTP unless I2V_TLS_CERT and I2V_TLS_KEY are set.`,
        );
      }
      throw new ClientError(
        "unreachable",
        `Cannot reach ${this.url(path)}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        "Check --url (scheme, host and port) and that the service is running and reachable from here.",
        // Which network failure, for callers that tell "not there" from "starting" (waitReady).
        { network: cause?.code ?? "unknown" },
      );
    }
  }

  /** GET or POST a JSON answer; a non-2xx answer throws ApiError with the server's hint. */
  async json<T>(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.fetch(path, init);
    if (!response.ok) throw await apiErrorFrom(response, `${init.method ?? "GET"} ${path}`);
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }

  /** POST /v1/jobs as multipart/form-data, the way a browser form sends it. */
  async createJob(
    image: Uint8Array,
    filename: string,
    fields: JobRequest,
    signal?: AbortSignal,
  ): Promise<{ status: number; job: Job }> {
    const form = new FormData();
    form.set("image", new Blob([image as Uint8Array<ArrayBuffer>], { type: mimeOf(filename) }), filename);
    for (const [name, value] of Object.entries(fields)) {
      if (value !== undefined) form.set(name, String(value));
    }
    const { status, body } = await this.json<unknown>("/v1/jobs", {
      method: "POST",
      body: form as unknown as BodyInit,
      signal,
    });
    return { status, job: parseJob(body, "POST /v1/jobs") };
  }

  getJob(id: string, signal?: AbortSignal): Promise<Job> {
    return this.json<unknown>(`/v1/jobs/${encodeURIComponent(id)}`, { signal }).then((r) =>
      parseJob(r.body, "GET /v1/jobs/:id"),
    );
  }
}

/** undici's fetch takes a plain record; the global Headers class belongs to Node's own copy. */
function plainHeaders(headers: Headers): Record<string, string> {
  const plain: Record<string, string> = {};
  headers.forEach((value, name) => {
    plain[name] = value;
  });
  return plain;
}

function mimeOf(filename: string): string {
  const ext = filename.toLowerCase().split(".").pop();
  if (ext === "jpg" || ext === "jpeg") return "image/jpeg";
  if (ext === "webp") return "image/webp";
  return "image/png";
}
