import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

/** Runs the real program entry point under the loader Pulumi.yaml names, with mocks instead of AWS. */
async function runProgram(config: Record<string, string>) {
  const pulumiYaml = parse(readFileSync(`${root}Pulumi.yaml`, "utf8"));
  const nodeArgs = String(pulumiYaml.runtime.options.nodeargs).split(" ");
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, "infra/test/support/run-program.ts", JSON.stringify(config)],
    {
      cwd: root,
      timeout: 60_000,
    },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    outputs: Record<string, unknown>;
    types: string[];
  };
}

describe("Pulumi.yaml", () => {
  it("points the nodejs runtime at infra/ with tsx instead of Pulumi's ts-node", () => {
    const project = parse(readFileSync(`${root}Pulumi.yaml`, "utf8"));
    expect(project.runtime.name).toBe("nodejs");
    expect(project.main).toBe("infra/");
    expect(project.runtime.options).toMatchObject({ typescript: false, nodeargs: "--import tsx" });
    // Pulumi prefers index.js over index.ts in the main folder: there must be none.
    expect(existsSync(`${root}infra/index.ts`)).toBe(true);
    expect(existsSync(`${root}infra/index.js`)).toBe(false);
  });

  it("example stack config is valid as it stands", async () => {
    const { settingsFromStackFile } = await import("../cli-settings.ts");
    const { settings } = settingsFromStackFile(root, undefined);
    expect(settings.instanceType).toBe("g6.xlarge");
  });
});

describe("the program under node --import tsx", () => {
  it("loads, reads its config and exports the endpoint, instance id and smoke command", async () => {
    const { outputs, types } = await runProgram({
      "aws:region": "us-east-1",
      "i2v:instanceType": "g5.xlarge",
      "i2v:allowedCidrs": '["203.0.113.7/32"]',
    });
    expect(outputs.endpointUrl).toBe("https://203.0.113.20:7860");
    expect(outputs.instanceId).toMatch(/instance-id$/);
    expect(outputs.placement).toBe("g5.xlarge@any");
    expect(outputs.smokeCommand).toBe(
      'pulumi stack output caCertificate > i2v-program-ca.pem && npm run smoke -- --url https://203.0.113.20:7860 --ca i2v-program-ca.pem --token "$(pulumi stack output apiToken --show-secrets)"',
    );
    expect(outputs.caCertificate).toBe("MOCK CERTIFICATE i2v-tls-ca");
    expect(outputs.apiToken).toBe("[secret]");
    expect(types).toContain("aws:ec2/instance:Instance");
    expect(types).toContain("i2v:infra:GpuBox");
  });

  it("with i2v:workers, exports the API's https endpoint and the scale-out outputs", async () => {
    const { outputs, types } = await runProgram({
      "aws:region": "us-east-1",
      "i2v:allowedCidrs": '["203.0.113.7/32"]',
      "i2v:workers": '{"min":0,"max":3,"targetBacklogPerWorker":2}',
    });
    expect(outputs.endpointUrl).toBe("https://203.0.113.20:7860");
    expect(outputs.workerGroupName).toBe("i2v-program-workers");
    expect(outputs.queueEndpoint).toMatch(/:6379$/);
    for (const type of [
      "aws:autoscaling/group:Group",
      "aws:elasticache/replicationGroup:ReplicationGroup",
      "aws:s3/bucket:Bucket",
    ])
      expect(types).toContain(type);
  });

  it("stops with every config problem listed before declaring anything", async () => {
    const failure = await runProgram({
      "i2v:instanceType": "t3.micro",
      "i2v:allowedCidrs": '["0.0.0.0/0"]',
    }).catch((e: { stderr: string }) => e.stderr);
    expect(failure).toMatch(/invalid stack config/);
    expect(failure).toMatch(/aws:region/);
    expect(failure).toMatch(/t3\.micro is not an NVIDIA GPU type/);
    expect(failure).toMatch(/allowPublic/);
  });
});
