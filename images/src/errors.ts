import type { UserFacingError } from "../../scripts/lib/cli.ts";

/** An error a user can act on: the CLI prints `message` and `hint` and exits 1. */
export function userError(message: string, hint: string, code?: string): UserFacingError {
  const error = new Error(message) as UserFacingError;
  error.hint = hint;
  if (code) error.code = code;
  return error;
}
