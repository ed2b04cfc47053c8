import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { hasTool } from "../../test/support/tools.ts";
import { renderBootScript } from "../user-data/boot-script.ts";
import type { BootSpec } from "../user-data/spec.ts";

// Runs the rendered boot helper for real (bash), with fake `aws` and `docker` on PATH and the
// box's fixed paths pointed into a temporary folder. What cannot run here (GPU, disks) is not run.

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "i2v-boot-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SECRET = "tokFromSsm0123456789";
const spec: BootSpec = {
  region: "eu-west-1",
  imageUri: "ghcr.io/example/i2v:1.0",
  ecr: undefined,
  storage: "instance-store",
  tokenParameterName: "/i2v/dev/api-token",
  weights: "baked",
  mirror: undefined,
  runtimeEnv: { I2V_NOTE: "a b $HOME" },
  readyTimeoutSeconds: 0,
};

/** A fake command that records its arguments, one per line, and prints `output`. */
function fake(dir: string, name: string, output: string): void {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/bin/bash\nprintf '%s\\n' "$@" > "${dir}/${name}.args"\nprintf '%s\\n' '${output}'\n`,
  );
  chmodSync(file, 0o755);
}

function install(
  name: string,
  overrides: Partial<BootSpec> = {},
  port = 7860,
): { dir: string; script: string } {
  const dir = mkdtempSync(join(work, `${name}-`));
  fake(dir, "aws", SECRET);
  fake(dir, "docker", "");
  const script = renderBootScript({ ...spec, ...overrides })
    .replace("ENV_FILE='/etc/i2v/runtime.env'", `ENV_FILE='${dir}/etc/runtime.env'`)
    .replace("LOG='/var/log/i2v-boot.log'", `LOG='${dir}/boot.log'`)
    .replace("PORT='7860'", `PORT='${port}'`);
  writeFileSync(join(dir, "i2v-boot"), script);
  return { dir, script: join(dir, "i2v-boot") };
}

async function boot(dir: string, script: string, command: string) {
  return run("bash", [script, command], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    timeout: 20_000,
  });
}

describe("i2v-boot token", () => {
  it("writes the SSM value to a 0600 env file in a 0700 folder and prints nothing of it", async () => {
    const { dir, script } = install("token");
    const { stdout, stderr } = await boot(dir, script, "token");
    expect(readFileSync(join(dir, "etc/runtime.env"), "utf8")).toBe(`I2V_TOKEN=${SECRET}\n`);
    expect(statSync(join(dir, "etc/runtime.env")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "etc")).mode & 0o777).toBe(0o700);
    expect(stdout + stderr).not.toContain(SECRET);
    expect(readFileSync(join(dir, "aws.args"), "utf8").split("\n")).toEqual(
      expect.arrayContaining([
        "ssm",
        "get-parameter",
        "--region",
        "eu-west-1",
        "--name",
        "/i2v/dev/api-token",
        "--with-decryption",
      ]),
    );
  });

  it("writes an empty env file when no token is configured", async () => {
    const { dir, script } = install("notoken", { tokenParameterName: undefined });
    await boot(dir, script, "token");
    expect(readFileSync(join(dir, "etc/runtime.env"), "utf8")).toBe("");
  });
});

describe("i2v-boot run", () => {
  it("starts the container with GPUs, the port, the env file, the cache and the runtime env", async () => {
    const { dir, script } = install("run");
    await boot(dir, script, "run");
    const args = readFileSync(join(dir, "docker.args"), "utf8").trim().split("\n");
    expect(args.slice(0, 6)).toEqual(["run", "--rm", "--name", "i2v-runtime", "--gpus", "all"]);
    expect(args).toEqual(
      expect.arrayContaining(["--publish", "7860:7860", "--env-file", `${dir}/etc/runtime.env`]),
    );
    expect(args).toEqual(
      // The runtime only reads the weights: mounted read-only.
      expect.arrayContaining(["--env", "HF_HOME=/models/hf", "--volume", "/mnt/i2v/hf:/models/hf:ro"]),
    );
    expect(args).toEqual(expect.arrayContaining(["--env", "I2V_NOTE=a b $HOME"]));
    expect(args.at(-1)).toBe("ghcr.io/example/i2v:1.0");
  });
});

describe.skipIf(!hasTool("curl"))("i2v-boot wait-ready", () => {
  it("returns once /readyz answers 200", async () => {
    const server = createServer((req, res) => res.writeHead(req.url === "/readyz" ? 200 : 404).end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { dir, script } = install("ready", { readyTimeoutSeconds: 30 }, port);
      await boot(dir, script, "wait-ready");
      expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain("READY");
    } finally {
      server.close();
    }
  });

  it("fails with a pointer to the logs when nothing answers before the deadline", async () => {
    const { dir, script } = install("notready", { readyTimeoutSeconds: 0 }, 9);
    await expect(boot(dir, script, "wait-ready")).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toMatch(
      /NOT READY after 0s; see journalctl -u i2v-prepare/,
    );
  });
});
