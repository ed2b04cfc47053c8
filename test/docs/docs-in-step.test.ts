import { readdirSync, readFileSync } from "node:fs";
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

  test("docs/configuration.md documents nothing the runtime does not read", () => {
    // Every name in the table's first column (`A`, `B` rows list several).
    const rows = [...docs("configuration.md").matchAll(/^\| ((?:`[A-Z0-9_]+`(?:, )?)+) \|/gm)];
    const documented = rows.flatMap((m) =>
      [...(m[1] ?? "").matchAll(/`([A-Z0-9_]+)`/g)].map((n) => n[1] as string),
    );
    const source = sourceText(path.resolve(import.meta.dirname, "../../runtime/src"));
    // Outside the env schema: read where they are used (cache folder, demo size, ffmpeg paths).
    const elsewhere = documented.filter((name) => !SERVICE_ENV_VARS.includes(name));
    expect(elsewhere.filter((name) => !new RegExp(`env\\??\\.${name}\\b|"${name}"`).test(source))).toEqual(
      [],
    );
  });
});

/** All TypeScript under a folder, concatenated. */
function sourceText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(path.join(dir, file), "utf8"))
    .join("\n");
}
