import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { redactSecrets, SECRET } from "../preview/listing.ts";
import { MOCK_TOKEN } from "../preview/mock-engine.ts";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

/** A value the way Pulumi's wire format marks a secret. */
const wireSecret = (value: unknown) => ({
  [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
  value,
});

describe("redactSecrets", () => {
  it("replaces every value Pulumi marked secret, at any depth, and nothing else", () => {
    const input = {
      value: wireSecret("hunter2"),
      nested: { list: ["plain", wireSecret({ deep: "x" })], password: "not marked, so shown" },
    };
    expect(redactSecrets(input)).toEqual({
      value: SECRET,
      nested: { list: ["plain", SECRET], password: "not marked, so shown" },
    });
  });
});

describe("npm run deploy-plan -- --resources --json", () => {
  it("runs the real program under mocks and lists every resource with secrets hidden", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/deploy-plan.ts", "--stack", "example", "--resources", "--json"],
      { cwd: root, timeout: 120_000 },
    );
    const preview = JSON.parse(stdout) as {
      resources: { type: string; name: string; inputs: Record<string, unknown> }[];
      outputs: Record<string, unknown>;
      reads: string[];
    };
    const types = preview.resources.map((r) => r.type);
    for (const type of ["aws:ec2/instance:Instance", "aws:ssm/parameter:Parameter", "i2v:infra:GpuBox"])
      expect(types).toContain(type);
    for (const r of preview.resources) expect(Object.keys(r).sort()).toEqual(["inputs", "name", "type"]);
    const parameter = preview.resources.find((r) => r.type === "aws:ssm/parameter:Parameter");
    expect(parameter?.inputs.value).toBe(SECRET);
    expect(preview.outputs.apiToken).toBe(SECRET);
    expect(stdout).not.toContain(MOCK_TOKEN);
    expect(preview.reads).toContain("aws:ssm/getParameter:getParameter");
  });
});
