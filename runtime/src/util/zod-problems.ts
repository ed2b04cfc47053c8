import type { z } from "zod";

/**
 * A zod error as the repository reports every validation failure: one `path: message` line per
 * problem, all of them at once (STYLE.md: do not stop at the first). `root` names an issue on the
 * value itself.
 */
export function zodProblems(error: z.ZodError, root = "(root)"): string[] {
  return error.issues.map((issue) => `${issue.path.map(String).join(".") || root}: ${issue.message}`);
}
