import { UserError } from "../../runtime/src/util/user-facing-error.ts";

/**
 * Errors a user can act on: the message says what is wrong, the hint what to do. `runCli` in
 * scripts/lib/cli.ts prints them as two lines and exits 1; anything else is treated as a bug.
 */
export class MirrorUserError extends UserError {
  override name = "MirrorUserError";
  declare readonly code: string;

  constructor(code: string, message: string, hint: string, options?: { cause?: unknown }) {
    super(message, hint, { code, cause: options?.cause });
  }
}
