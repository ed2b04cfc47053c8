import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { jobSchema } from "../../runtime/src/contract/index.ts";
import { openApiDocument } from "../../runtime/src/server/openapi.ts";

/** docs/api.md checked against the contract: its routes are the document's, its job example and field table are the Job schema's. */
const api = readFileSync(path.resolve(import.meta.dirname, "../../docs/api.md"), "utf8");

describe("docs/api.md follows the contract", () => {
  test("the route tables list exactly the operations of /openapi.json", () => {
    const documented = [...api.matchAll(/^\| `(GET|POST|PUT|DELETE) ([^`?]+)(?:\?[^`]*)?` \|/gm)].map(
      (m) => `${m[1]} ${m[2]?.replace(/:(\w+)/g, "{$1}")}`,
    );
    const paths = openApiDocument("0").paths as Record<string, Record<string, unknown>>;
    const operations = Object.entries(paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect([...documented].sort()).toEqual([...operations].sort());
  });

  test("the job example is a valid Job, with no field the contract lacks", () => {
    const example = /A job \(the contract's `Job`[^\n]*\n\n```json\n([\s\S]*?)\n```/.exec(api)?.[1];
    if (!example) throw new Error("docs/api.md lost its job example");
    const parsed = jobSchema.strict().safeParse(JSON.parse(example));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  test("the job field table names every field of the Job schema, and no other", () => {
    const table = api.split("| field | type | meaning |")[1]?.split("\n\n")[0] ?? "";
    const fields = [...table.matchAll(/^\| ((?:`\w+`(?:, )?)+) \|/gm)].flatMap((m) =>
      [...(m[1] ?? "").matchAll(/`(\w+)`/g)].map((f) => f[1]),
    );
    expect(fields.sort()).toEqual(Object.keys(jobSchema.shape).sort());
  });
});
