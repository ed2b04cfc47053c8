import { createHash } from "node:crypto";
import type { Context } from "hono";
import { I2vError } from "../errors.ts";
import { CLIENT_ID_PATTERN } from "../jobs/job.ts";

/** A job request as received: the image bytes, the generation fields, and an optional client id. */
export interface JobRequest {
  image: Uint8Array;
  fields: Record<string, unknown>;
  clientId: string | null;
  /** sha256 over the image and the fields, to tell a retry from a different request with the same id. */
  digest: string;
}

/** Multipart sends every field as text; these are numbers in the API. */
const NUMERIC = new Set([
  "resolution",
  "num_frames",
  "num_inference_steps",
  "guidance_scale",
  "target_fps",
  "seed",
  "decode_chunk_size",
]);
/** Plain decimal numbers only: Number() would also take "0x10", "0b1" and padded text. */
const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;
const DATA_URL = /^data:(image\/[a-z0-9.+-]+)?(;[^,]*)?;base64,/i;
/** The API has 12 fields and the image; more parts than this is not a job request. */
export const MAX_MULTIPART_PARTS = 32;

/** Reads `POST /v1/jobs`: multipart/form-data with an `image` file, or JSON with a data URL. */
export async function readJobRequest(c: Context): Promise<JobRequest> {
  const type = c.req.header("content-type") ?? "";
  let image: Uint8Array;
  const fields: Record<string, unknown> = {};
  if (type.startsWith("multipart/form-data")) {
    let form: Record<string, string | File>;
    try {
      assertFewParts(new Uint8Array(await c.req.arrayBuffer()), type);
      form = await c.req.parseBody();
    } catch (error) {
      if (error instanceof I2vError) throw error;
      throw new I2vError(
        "invalid_request",
        `The multipart body could not be read: ${(error as Error).message}`,
      );
    }
    const file = form.image;
    if (!(file instanceof File))
      throw new I2vError("invalid_request", "The multipart body has no `image` file field.");
    image = new Uint8Array(await file.arrayBuffer());
    for (const [key, value] of Object.entries(form)) {
      if (key === "image") continue;
      if (typeof value !== "string")
        throw new I2vError("invalid_request", `Field \`${key}\` must be text, not a file.`);
      // Anything else stays text, and the parameter check refuses it as not a number.
      fields[key] = NUMERIC.has(key) && DECIMAL.test(value) ? Number(value) : value;
    }
  } else if (type.startsWith("application/json")) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new I2vError("invalid_request", "The body is not valid JSON.");
    }
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw new I2vError("invalid_request", "The JSON body must be an object.");
    const { image: dataUrl, ...rest } = body as Record<string, unknown>;
    if (typeof dataUrl !== "string" || !DATA_URL.test(dataUrl)) {
      throw new I2vError("invalid_request", "`image` must be a base64 data URL (data:image/png;base64,...).");
    }
    image = new Uint8Array(Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64"));
    Object.assign(fields, rest);
  } else {
    throw new I2vError("invalid_request", `Unsupported content type \`${type || "none"}\`.`);
  }
  const clientId = fields.client_id;
  delete fields.client_id;
  if (clientId !== undefined && (typeof clientId !== "string" || !CLIENT_ID_PATTERN.test(clientId))) {
    throw new I2vError(
      "invalid_parameters",
      "client_id must be 1-128 characters of letters, digits and ._:-",
      {
        problems: ["client_id: must match [A-Za-z0-9._:-]{1,128}"],
      },
    );
  }
  const digest = createHash("sha256")
    .update(image)
    .update(JSON.stringify(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))))
    .digest("hex");
  return { image, fields, clientId: (clientId as string | undefined) ?? null, digest };
}

/**
 * Counts the parts of a multipart body before parsing it: the parser is synchronous JavaScript, and
 * a body of a few MB holding a hundred thousand tiny fields blocks the event loop for a second.
 * Counting boundaries with Buffer.indexOf is native and stops at the limit.
 */
function assertFewParts(body: Uint8Array, contentType: string): void {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return; // the parser refuses it
  const delimiter = Buffer.from(`--${boundary}`);
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let parts = 0;
  for (let at = bytes.indexOf(delimiter); at >= 0; at = bytes.indexOf(delimiter, at + delimiter.length)) {
    // The closing delimiter also matches; allow for it.
    if (++parts > MAX_MULTIPART_PARTS + 1) {
      throw new I2vError(
        "invalid_request",
        `The multipart body has more than ${MAX_MULTIPART_PARTS} fields; send the image and the job's fields only.`,
      );
    }
  }
}
