/**
 * The API contract, defined once in zod: the server answers with these types, /openapi.json is
 * generated from them (runtime/src/server/openapi.ts), the smoke client validates what it
 * receives with them, and the page's JSDoc types come from them (runtime/web/contract.d.ts).
 * Pure data: nothing here may import Node or the pipeline, so the page's type check can read it.
 */
export * from "./error.ts";
export * from "./job.ts";
export * from "./service.ts";
