import { z } from "zod";
import * as contract from "../contract/index.ts";
import { generateRequestSchema } from "../pipeline/params.ts";

/** Every named schema of the contract: each becomes `#/components/schemas/<id>`. */
const COMPONENTS = [
  contract.errorEnvelopeSchema,
  contract.jobParamsSchema,
  contract.progressSchema,
  contract.timingsSchema,
  contract.jobResultSchema,
  contract.jobErrorSchema,
  contract.webhookStateSchema,
  contract.jobSchema,
  contract.jobListSchema,
  contract.limitsSchema,
  contract.presetSchema,
  contract.presetsResponseSchema,
  contract.modelInfoSchema,
  contract.systemSchema,
  contract.livenessSchema,
  contract.readinessSchema,
];

type JsonSchema = Record<string, unknown>;

/** The contract's schemas as JSON Schema 2020-12 (zod's own converter), refs pointing into components. */
export function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const schema of COMPONENTS) {
    const id = z.globalRegistry.get(schema)?.id;
    if (!id) throw new Error("every contract component needs .meta({ id })");
    registry.add(schema, { id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io: "output",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  // Inside an OpenAPI document a component carries neither its own $id nor $schema.
  for (const schema of Object.values(schemas)) {
    delete schema.$id;
    delete schema.$schema;
  }
  return schemas;
}

/** The fields of POST /v1/jobs besides the generation parameters. */
const submitFields = {
  client_id: {
    type: "string",
    pattern: "^[A-Za-z0-9._:-]{1,128}$",
    description: "Idempotency key: the same id with the same request returns the existing job.",
  },
  webhook: {
    type: "string",
    format: "uri",
    description: "https URL called with the job (Standard Webhooks signature) on the chosen events.",
  },
  webhook_events: {
    description: "Events to call the webhook on (default completed); a comma-separated list in multipart.",
    oneOf: [
      { type: "array", items: { type: "string", enum: contract.WEBHOOK_EVENTS }, uniqueItems: true },
      { type: "string" },
    ],
  },
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (description: string, schema: object) => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string) => json(description, ref("Error"));

/** The error statuses every protected route can answer. */
const COMMON_ERRORS = {
  "401": {
    ...error("unauthorized: no token or a wrong one (with `WWW-Authenticate: Bearer`)"),
    headers: { "WWW-Authenticate": { schema: { type: "string", const: 'Bearer realm="i2v"' } } },
  },
  "429": error("rate_limited (with Retry-After)"),
  "500": error("internal"),
};
/** Scaled out, every job route reads the shared queue: with its Redis down, 503 (never a 500). */
const BACKEND_DOWN = {
  "503": error("backend_unavailable: the shared queue's Redis does not answer (scaled out)"),
};
const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }];

/** Every route of the app with every status that has a body (runtime/test/server/contract.test.ts checks both ways). */
function paths(generate: JsonSchema): Record<string, unknown> {
  // One object, not an allOf: the parameters' additionalProperties:false would refuse `image`.
  const submit = (image: object) => ({
    ...generate,
    properties: { image, ...(generate.properties as object), ...submitFields },
    required: ["image"],
  });
  return {
    "/v1/jobs": {
      post: {
        operationId: "createJob",
        summary: "Submit a job (multipart with an `image` file, or JSON with `image` as a data URL)",
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": { schema: submit({ type: "string", format: "binary" }) },
            "application/json": { schema: submit({ type: "string", description: "a base64 data URL" }) },
          },
        },
        responses: {
          "202": {
            ...json("Accepted and queued", ref("Job")),
            headers: { Location: { schema: { type: "string" } } },
          },
          "200": json("The existing job for this client_id", ref("Job")),
          "400": error("invalid_request, invalid_parameters or invalid_image"),
          ...COMMON_ERRORS,
          "409": error("conflict: the client_id was used for a different request"),
          "413": error("payload_too_large or image_too_large"),
          "422": error("insufficient_memory"),
          "429": error("queue_full or rate_limited (with Retry-After)"),
          "503": error(
            "model_not_ready or shutting_down (with Retry-After), or backend_unavailable (scaled out)",
          ),
          "507": error("storage_failed"),
        },
      },
      get: {
        operationId: "listJobs",
        summary: "Recent jobs, newest first",
        parameters: [
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
        ],
        responses: {
          "200": json("The jobs", ref("JobList")),
          "400": error("invalid_parameters (limit outside 1..100)"),
          ...COMMON_ERRORS,
          ...BACKEND_DOWN,
        },
      },
    },
    "/v1/jobs/{id}": {
      get: {
        operationId: "getJob",
        parameters: idParam,
        responses: {
          "200": json("The job", ref("Job")),
          "404": error("not_found"),
          ...COMMON_ERRORS,
          ...BACKEND_DOWN,
        },
      },
    },
    "/v1/jobs/{id}/cancel": {
      post: {
        operationId: "cancelJob",
        summary: "Cancel a queued job at once, a running one between steps",
        parameters: idParam,
        responses: {
          "200": json("The job (a running one turns canceled shortly after)", ref("Job")),
          "404": error("not_found"),
          ...COMMON_ERRORS,
          ...BACKEND_DOWN,
        },
      },
    },
    "/v1/jobs/{id}/events": {
      get: {
        operationId: "followJob",
        summary:
          "Server-sent events queued, started, progress, succeeded, failed, canceled (each `data:` is a Job) and ping",
        parameters: idParam,
        responses: {
          "200": {
            description: "text/event-stream; every data line except ping's is a Job",
            content: { "text/event-stream": { schema: { type: "string" }, "x-data-schema": ref("Job") } },
          },
          "404": error("not_found"),
          ...COMMON_ERRORS,
          ...BACKEND_DOWN,
        },
      },
    },
    "/v1/jobs/{id}/video": {
      get: {
        operationId: "getVideo",
        summary: "The MP4 (H.264, yuv420p, +faststart); supports one Range",
        parameters: idParam,
        responses: {
          "200": {
            description: "The video",
            content: { "video/mp4": { schema: { type: "string", contentMediaType: "video/mp4" } } },
          },
          "206": {
            description: "The requested range",
            content: { "video/mp4": { schema: { type: "string" } } },
          },
          "404": error("not_found (or the video was removed)"),
          "409": error("not_ready: the job has not succeeded"),
          "416": { description: "The range is not satisfiable (Content-Range: bytes */size); no body" },
          ...COMMON_ERRORS,
          ...BACKEND_DOWN,
        },
      },
    },
    "/v1/presets": {
      get: {
        operationId: "getPresets",
        responses: { "200": json("Presets and limits", ref("Presets")), ...COMMON_ERRORS },
      },
    },
    "/v1/system": {
      get: {
        operationId: "getSystem",
        responses: { "200": json("System facts", ref("System")), ...COMMON_ERRORS },
      },
    },
    "/livez": {
      get: {
        operationId: "livez",
        security: [],
        responses: { "200": json("The process serves", ref("Liveness")) },
      },
    },
    "/readyz": {
      get: {
        operationId: "readyz",
        responses: {
          "200": json("Model loaded and warmed up, previous jobs recovered", ref("Readiness")),
          "503": json("Still loading", ref("Readiness")),
          "401": COMMON_ERRORS["401"],
          "500": COMMON_ERRORS["500"],
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        responses: {
          "200": {
            description: "Prometheus text format",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          ...COMMON_ERRORS,
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        responses: { "200": json("This document", { type: "object" }), ...COMMON_ERRORS },
      },
    },
    "/": {
      get: {
        operationId: "page",
        security: [],
        responses: {
          "200": { description: "The web page", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
  };
}

/** The OpenAPI 3.1 document served at /openapi.json, generated from the contract's zod schemas. */
export function openApiDocument(version: string): Record<string, unknown> {
  const generate = z.toJSONSchema(generateRequestSchema, {
    target: "draft-2020-12",
    io: "input",
  }) as JsonSchema;
  delete generate.$schema;
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "i2v-deploy runtime",
      version,
      description: "Image-to-video jobs: submit a photo and a prompt, follow progress, fetch the MP4.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { ...componentSchemas(), GenerateParameters: generate },
    },
    security: [{ bearer: [] }],
    paths: paths(generate),
  };
}
