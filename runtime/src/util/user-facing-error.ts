/**
 * An error a user can act on: its `message` says what is wrong, its `hint` what to do. Every front
 * door prints such errors as two lines and exits 1 (scripts/lib/cli.ts for the npm scripts,
 * runtime/src/weights/main.ts inside the image); anything else is a bug and exits 2. The type lives
 * in the runtime because it is the bottom layer: images/, mirrors/, infra/ and scripts/ may import
 * it, while the runtime, which ships alone in the image, may import nothing above it.
 */
export interface UserFacingError extends Error {
  hint?: string;
  code?: string;
}

/** True for an error that carries a hint (printed as a user error, not as a bug). */
export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof Error && typeof (error as UserFacingError).hint === "string";
}

/** A plain Error with a hint (and an optional stable code) for the CLI to print. */
export function userError(message: string, hint: string, code?: string): UserFacingError {
  const error = new Error(message) as UserFacingError;
  error.hint = hint;
  if (code) error.code = code;
  return error;
}
