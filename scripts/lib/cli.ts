import { isUserFacing } from "../../runtime/src/util/user-facing-error.ts";

/**
 * The one place where CLI entry points catch errors and set the exit code.
 *
 * Errors meant for users carry a `hint` (what to do about it, see UserFacingError in
 * runtime/src/util/user-facing-error.ts); they print as two short lines. Anything else is a bug
 * in the toolkit: print the stack and ask for a report.
 */

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (isUserFacing(error)) {
      console.error(`error: ${error.message}`);
      if (error.hint) console.error(`hint: ${error.hint}`);
      process.exitCode = 1;
    } else {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      console.error("This is a bug in i2v-deploy; please report it with the output above.");
      process.exitCode = 2;
    }
  }
}

/** True when progress should be plain lines (not a TTY, or under CI) rather than live task lists. */
export function plainProgress(): boolean {
  return !process.stdout.isTTY || Boolean(process.env.CI);
}
