import { type Job, jobSchema } from "../runtime/src/contract/index.ts";
import { ClientError } from "./api-error.ts";

/**
 * Checks a job the service sent against the contract's schema (undeclared fields included): a
 * deployment whose answers drift from /openapi.json fails the smoke test with the field named.
 */
export function parseJob(value: unknown, what: string): Job {
  const parsed = jobSchema.strict().safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(job)"}: ${i.message}`);
  throw new ClientError(
    "contract_broken",
    `${what} answered a job that breaks the API contract: ${problems.slice(0, 5).join("; ")}`,
    "The runtime and this client disagree on the API; deploy the runtime from the same revision, or report it.",
    { problems },
  );
}
