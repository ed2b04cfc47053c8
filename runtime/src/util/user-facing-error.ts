/**
 * The one user error: its `message` says what is wrong, its `hint` what to do, its `code` (when it
 * has one) lets callers and tests tell errors apart. Every front door prints such errors as two
 * lines and exits 1 (scripts/lib/cli.ts for the npm scripts, runtime/src/weights/main.ts inside the
 * image); anything else is a bug and exits 2. It lives in the runtime because the runtime is the
 * bottom layer: images/, mirrors/, infra/, client/ and scripts/ may import it, while the runtime,
 * which ships alone in the image, may import nothing above it. The API's own errors (I2vError,
 * with an HTTP status from the registry) carry a hint too and print the same way.
 */
export class UserError extends Error {
  override name = "UserError";
  readonly hint: string;
  readonly code: string | undefined;

  constructor(message: string, hint: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = hint;
    this.code = options.code;
  }
}

/** What a front door prints as a user error: a UserError, or any error that carries a hint. */
export interface UserFacingError extends Error {
  hint?: string;
  code?: string;
}

/** True for an error that carries a hint (printed as a user error, not as a bug). */
export function isUserFacing(error: unknown): error is UserFacingError {
  return (
    error instanceof UserError ||
    (error instanceof Error && typeof (error as UserFacingError).hint === "string")
  );
}

/** The one way to make a user error in a line: what is wrong, what to do, a stable code, the cause. */
export function userError(message: string, hint: string, code?: string, cause?: unknown): UserError {
  return new UserError(message, hint, { code, cause });
}
