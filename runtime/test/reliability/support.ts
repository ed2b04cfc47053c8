import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ERROR_CODES } from "../../src/errors.ts";

/** Where each reliability test leaves its figures (docs/reliability.md quotes them). */
export const RESULTS_DIR = path.join(os.tmpdir(), "i2v-reliability");

/** Writes one test's figures as JSON under RESULTS_DIR and prints them, so a run shows them too. */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`[reliability] ${name} -> ${file}\n${JSON.stringify(figures)}`);
}

export type ErrorBody = { error: { code: string; message: string; hint: string } };

/** True when a body is the API's error shape with a code from the registry. */
export function isRegisteredError(body: unknown): body is ErrorBody {
  const error = (body as ErrorBody | undefined)?.error;
  return (
    typeof error?.code === "string" &&
    error.code in ERROR_CODES &&
    typeof error.message === "string" &&
    typeof error.hint === "string"
  );
}

/** The value at the given percentile (0-100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export { waitUntil } from "../../../test/support/wait.ts";
