/**
 * The page's JSDoc types: the API contract's own types (runtime/src/contract, the zod schemas that
 * /openapi.json is generated from), not a copy. `tsc -p runtime/web` checks the page against them.
 */
export type {
  ApiErrorBody,
  Job,
  JobList,
  JobStatus,
  Limits,
  Preset,
  PresetsResponse,
  Progress,
  System,
} from "../src/contract/index.ts";
