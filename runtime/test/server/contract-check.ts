import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** One answer recorded over a socket: which operation, what came back. */
export interface Recorded {
  method: string;
  /** The document's path template, e.g. /v1/jobs/{id}. */
  template: string;
  status: number;
  contentType: string;
  body: string;
  /** What the call was for, to read failures. */
  label: string;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

/**
 * Checks recorded answers against an OpenAPI 3.1 document: the status must be declared for the
 * operation, the media type listed, and a JSON body (or every SSE `data:`) valid under ajv's
 * JSON Schema 2020-12 with the document's own components.
 */
export function contractChecker(document: Record<string, unknown>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, "openapi.json");
  const compiled = new Map<string, ValidateFunction>();
  const validator = (path: string): ValidateFunction => {
    let fn = compiled.get(path);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi.json#/${path}` });
      compiled.set(path, fn);
    }
    return fn;
  };
  type Media = Record<string, unknown>;
  type Response = { content?: Record<string, Media> };
  const paths = document.paths as Record<string, Record<string, { responses: Record<string, Response> }>>;

  /** Problems with one answer; empty when it follows the document. */
  function check(r: Recorded): string[] {
    const where = `${r.label}: ${r.method} ${r.template} -> ${r.status}`;
    const operation = paths[r.template]?.[r.method.toLowerCase()];
    if (!operation) return [`${where}: the document has no such operation`];
    const response = operation.responses[String(r.status)];
    if (!response) return [`${where}: status ${r.status} is not declared`];
    if (!r.body) return response.content ? [`${where}: declared with a body, got none`] : [];
    const type = r.contentType.split(";")[0]?.trim() ?? "";
    const media = response.content?.[type];
    if (!media) return [`${where}: media type ${type} is not declared`];
    const base = pointer(
      "paths",
      r.template,
      r.method.toLowerCase(),
      "responses",
      String(r.status),
      "content",
      type,
    );
    if (type === "application/json") return validate(where, validator(`${base}/schema`), r.body);
    if (type === "text/event-stream" && media["x-data-schema"]) {
      const data = [...r.body.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].filter((m) => m[1] !== "ping");
      if (data.length === 0) return [`${where}: no events`];
      return data.flatMap((m) =>
        validate(`${where} event ${m[1]}`, validator(`${base}/x-data-schema`), m[2] ?? ""),
      );
    }
    return [];
  }

  /** Validates one JSON body against a named component (for answers outside any path, e.g. 404 routes). */
  function checkComponent(name: string, body: string, where: string): string[] {
    return validate(where, validator(pointer("components", "schemas", name)), body);
  }

  return { check, checkComponent };
}

function validate(where: string, fn: ValidateFunction, body: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [`${where}: not JSON: ${body.slice(0, 80)}`];
  }
  if (fn(value)) return [];
  return (fn.errors ?? []).map(
    (e) =>
      `${where}: ${e.instancePath || "(body)"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`,
  );
}
