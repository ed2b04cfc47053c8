import { z } from "zod";
import { withCloudDefaults } from "./alicloud/settings-rules.ts";
import { settingProblems } from "./settings-rules.ts";
import { SETTINGS_SHAPE } from "./settings-shape.ts";

/**
 * The `i2v:*` config as one zod schema: the fields (infra/settings-shape.ts), then every named rule
 * across them (infra/settings-rules.ts), which run even when some fields failed, so every problem
 * comes back at once.
 */
export const stackConfigSchema = z.preprocess(
  // Defaults that depend on i2v:cloud (an Alibaba type, its ESSD throughput) before the fields read them.
  withCloudDefaults,
  z.looseObject(SETTINGS_SHAPE).superRefine(
    (config, ctx) => {
      for (const problem of settingProblems(config)) {
        const at = problem.indexOf(": ");
        ctx.addIssue({ code: "custom", path: [problem.slice(0, at)], message: problem.slice(at + 2) });
      }
    },
    { when: () => true },
  ),
);

/** `allowedCidrs[0]`, `workers.max`, `aws:region`: a zod issue path as the config keys read. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path)
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`;
  return out === "" ? "(config)" : out;
}
