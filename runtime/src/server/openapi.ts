import { z } from "zod";
import { ERROR_CODES } from "../errors.ts";
import { generateRequestSchema } from "../pipeline/params.ts";

/** The OpenAPI 3.1 document served at /openapi.json; request parameters come from the code's schema. */
export function openApiDocument(version: string): object {
  const params = z.toJSONSchema(generateRequestSchema, { io: "input" }) as Record<string, unknown>;
  const error = {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message", "hint"],
        properties: {
          code: { type: "string", enum: Object.keys(ERROR_CODES) },
          message: { type: "string" },
          hint: { type: "string" },
          details: { type: "object" },
        },
      },
    },
  };
  const json = (schema: object) => ({ content: { "application/json": { schema } } });
  const errorResponse = { description: "Error", ...json({ $ref: "#/components/schemas/Error" }) };
  const jobResponse = { description: "The job", ...json({ $ref: "#/components/schemas/Job" }) };
  const idParam = [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }];
  return {
    openapi: "3.1.0",
    info: {
      title: "i2v-deploy runtime",
      version,
      description: "Image-to-video jobs: submit a photo and a prompt, follow progress, fetch the MP4.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: error,
        GenerateParameters: params,
        Job: {
          type: "object",
          properties: {
            id: { type: "string" },
            client_id: { type: ["string", "null"] },
            status: { type: "string", enum: ["queued", "running", "succeeded", "failed", "canceled"] },
            queue_position: { type: ["integer", "null"] },
            progress: { type: ["object", "null"] },
            timings: { type: ["object", "null"] },
            result: { type: ["object", "null"] },
            video_url: { type: ["string", "null"] },
            error: { type: ["object", "null"] },
          },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/jobs": {
        post: {
          summary: "Submit a job (multipart with an `image` file, or JSON with `image` as a data URL)",
          requestBody: {
            content: {
              "multipart/form-data": {
                schema: {
                  allOf: [
                    { $ref: "#/components/schemas/GenerateParameters" },
                    {
                      type: "object",
                      properties: {
                        image: { type: "string", format: "binary" },
                        client_id: { type: "string" },
                      },
                      required: ["image"],
                    },
                  ],
                },
              },
              "application/json": {
                schema: {
                  allOf: [
                    { $ref: "#/components/schemas/GenerateParameters" },
                    {
                      type: "object",
                      properties: {
                        image: { type: "string", description: "data URL" },
                        client_id: { type: "string" },
                      },
                      required: ["image"],
                    },
                  ],
                },
              },
            },
          },
          responses: {
            "202": jobResponse,
            "200": { description: "Existing job for this client_id" },
            "4XX": errorResponse,
            "5XX": errorResponse,
          },
        },
        get: {
          summary: "Recent jobs, newest first",
          responses: { "200": { description: "{ jobs: Job[] }" } },
        },
      },
      "/v1/jobs/{id}": {
        get: { parameters: idParam, responses: { "200": jobResponse, "404": errorResponse } },
      },
      "/v1/jobs/{id}/cancel": {
        post: { parameters: idParam, responses: { "200": jobResponse, "404": errorResponse } },
      },
      "/v1/jobs/{id}/events": {
        get: {
          parameters: idParam,
          summary: "Server-sent events: queued, started, progress, succeeded, failed, canceled",
          responses: { "200": { description: "text/event-stream" } },
        },
      },
      "/v1/jobs/{id}/video": {
        get: {
          parameters: idParam,
          summary: "The MP4 (H.264); supports Range",
          responses: {
            "200": { description: "video/mp4" },
            "206": { description: "partial" },
            "409": errorResponse,
          },
        },
      },
      "/v1/presets": {
        get: {
          summary: "Presets and whether each fits in memory now",
          responses: { "200": { description: "{ presets, limits }" } },
        },
      },
      "/v1/system": {
        get: {
          summary: "Model, device memory, queue",
          responses: { "200": { description: "system facts" } },
        },
      },
      "/livez": { get: { security: [], responses: { "200": { description: "alive" } } } },
      "/readyz": {
        get: {
          responses: {
            "200": { description: "model loaded and warmed up" },
            "503": { description: "loading" },
          },
        },
      },
      "/metrics": {
        get: { summary: "Prometheus metrics", responses: { "200": { description: "text/plain" } } },
      },
    },
  };
}
