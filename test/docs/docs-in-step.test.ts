import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { SERVICE_ENV_VARS } from "../../runtime/src/config/service-config.ts";
import { ERROR_CODES } from "../../runtime/src/errors.ts";

const docs = (name: string) => readFileSync(path.resolve(import.meta.dirname, "../../docs", name), "utf8");

describe("docs stay in step with the code", () => {
  test("docs/api.md's error table is the error registry: same codes, statuses and hints", () => {
    const section = docs("api.md").split("## Errors")[1] ?? "";
    const rows = [...section.matchAll(/^\| `(\w+)` \| (\d+) \| (.+) \|$/gm)].map((m) => ({
      code: m[1],
      status: Number(m[2]),
      hint: m[3],
    }));
    const registry = Object.entries(ERROR_CODES).map(([code, e]) => ({
      code,
      status: e.status,
      hint: e.hint,
    }));
    expect(rows).toEqual(registry);
  });

  test("docs/configuration.md documents every environment variable the service reads", () => {
    const documented = new Set(
      [...docs("configuration.md").matchAll(/^\| `([A-Z0-9_]+)`/gm)].map((m) => m[1]),
    );
    expect(SERVICE_ENV_VARS.filter((name) => !documented.has(name))).toEqual([]);
  });
});
