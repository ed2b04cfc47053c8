import { closestMatch } from "leven";
import { ALICLOUD_TYPES } from "../alicloud/catalog.ts";
import { INSTANCE_TYPES } from "../catalog/instance-types.ts";

/**
 * Named rules on values a stack could carry by mistake: the example's placeholders and instance
 * types outside the catalog (a typo such as `g6.xlargee` is one of those). Each problem is
 * `key: message`, naming the key and, where one is close, the value meant.
 */

/** The example stacks' placeholders look like `m-replace-with-your-gpu-image`. */
const PLACEHOLDER = /replace-with/i;

/** Every `i2v:*` value (or list element) that is still an example placeholder. */
export function placeholderProblems(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const values = Array.isArray(value) ? value : [value];
    for (const [index, item] of values.entries())
      if (typeof item === "string" && PLACEHOLDER.test(item))
        problems.push(
          `${Array.isArray(value) ? `${key}[${index}]` : key}: "${item}" is the example's placeholder; set your own value or remove the key (docs/infra.md lists every key)`,
        );
  }
  return problems;
}

/** The types the program knows facts for, per cloud (infra/catalog, infra/alicloud/catalog.ts). */
const CATALOG: Record<"aws" | "alicloud", readonly string[]> = {
  aws: Object.keys(INSTANCE_TYPES),
  alicloud: Object.keys(ALICLOUD_TYPES),
};

/**
 * Instance types outside the cloud's catalog are refused: the plan, the storage and the quota need
 * the type's facts, and a type that is not there is most often a typo. The nearest catalog entry is
 * named when it is one edit away (two for Alibaba's longer names: sizes such as 12xlarge and 48xlarge
 * differ by two, and those are not typos); otherwise the catalog's types are.
 */
export function unknownTypeProblems(
  cloud: "aws" | "alicloud",
  keyed: readonly (readonly [key: string, type: string])[],
): string[] {
  const known = CATALOG[cloud];
  const problems: string[] = [];
  for (const [key, type] of keyed) {
    if (known.includes(type)) continue;
    const near = closestMatch(type, known, { maxDistance: type.length > 16 ? 2 : 1 });
    problems.push(
      near
        ? `${key}: ${type} is not a known ${cloud} instance type; did you mean ${near}?`
        : `${key}: ${type} is not in the ${cloud} catalog (known: ${known.join(", ")}); add it to ${cloud === "aws" ? "infra/catalog/instance-types.ts" : "infra/alicloud/catalog.ts"} with its facts if it is real`,
    );
  }
  return problems;
}
