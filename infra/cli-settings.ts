import { normalizeSettings, type StackSettings } from "./settings.ts";
import { InfraUserError, readStackFile, type StackFile } from "./stack-file.ts";

/** Settings from a stack file for the CLI scripts; invalid config becomes one user error listing every problem. */
export function settingsFromStackFile(
  root: string,
  stack: string | undefined,
): { file: StackFile; settings: StackSettings; warnings: string[] } {
  const file = readStackFile(root, stack);
  const result = normalizeSettings(file.raw);
  if (!result.ok) {
    throw new InfraUserError(
      `invalid config in ${file.path}:\n  ${result.errors.join("\n  ")}`,
      "fix the keys above; docs/infra.md lists every key",
    );
  }
  return { file, settings: result.settings, warnings: result.warnings };
}
