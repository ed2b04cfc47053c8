import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
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
  tls: undefined,
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
    .replace("PORT='7860'", `PORT='${port}'`)
    .replace("TLS_DIR='/etc/i2v/tls'", `TLS_DIR='${dir}/tls'`)
    .replace("RUNTIME_UID='10001'", `RUNTIME_UID='${process.getuid?.() ?? 0}'`);
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

/** A private CA and a server certificate for 127.0.0.1, made by the openssl CLI. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const sh = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  sh(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"].concat([
      "-subj",
      "/CN=test CA",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    ]),
  );
  sh(
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=box"].concat([
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
    ]),
  );
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  sh(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-days",
      "2",
      "-extfile",
      "san.ext",
      "-out",
      "server.pem",
    ]),
  );
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key") };
}

const TLS_NAMES = { cert: "/i2v/dev/tls/cert", key: "/i2v/dev/tls/key", ca: "/i2v/dev/tls/ca" };

describe("i2v-boot tls", () => {
  it("writes cert, CA and key from SSM as 0400 files in a 0700 folder and prints none of them", async () => {
    const { dir, script } = install("tls", { tls: TLS_NAMES });
    const { stdout, stderr } = await boot(dir, script, "tls");
    for (const file of ["cert.pem", "ca.pem", "key.pem"]) {
      expect(readFileSync(join(dir, "tls", file), "utf8")).toBe(`${SECRET}\n`);
      expect(statSync(join(dir, "tls", file)).mode & 0o777).toBe(0o400);
    }
    expect(statSync(join(dir, "tls")).mode & 0o777).toBe(0o700);
    expect(stdout + stderr).not.toContain(SECRET);
    // The last call read the key, decrypted, by its parameter name.
    expect(readFileSync(join(dir, "aws.args"), "utf8").split("\n")).toEqual(
      expect.arrayContaining(["--name", "/i2v/dev/tls/key", "--with-decryption"]),
    );
  });

  it("does nothing without TLS parameters", async () => {
    const { dir, script } = install("notls");
    await boot(dir, script, "tls");
    expect(existsSync(join(dir, "tls"))).toBe(false);
  });

  it("hands the runtime I2V_TLS_CERT and I2V_TLS_KEY on a read-only mount", async () => {
    const { dir, script } = install("tlsrun", { tls: TLS_NAMES });
    await boot(dir, script, "run");
    const args = readFileSync(join(dir, "docker.args"), "utf8").trim().split("\n");
    expect(args).toEqual(
      expect.arrayContaining([
        "--volume",
        `${dir}/tls:/run/i2v/tls:ro`,
        "--env",
        "I2V_TLS_CERT=/run/i2v/tls/cert.pem",
        "--env",
        "I2V_TLS_KEY=/run/i2v/tls/key.pem",
      ]),
    );
  });
});

describe.skipIf(!hasTool("curl") || !hasTool("openssl", ["version"]))(
  "i2v-boot wait-ready over HTTPS",
  () => {
    async function readyAgainst(caFile: "right" | "wrong"): Promise<{ dir: string; ok: boolean }> {
      const certDir = mkdtempSync(join(work, "certs-"));
      const served = makeCertificates(certDir);
      const server = createHttpsServer({ cert: served.cert, key: served.key }, (req, res) =>
        res.writeHead(req.url === "/readyz" ? 200 : 404).end("ok"),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const { dir, script } = install(
          `tlsready-${caFile}`,
          { readyTimeoutSeconds: 3, tls: TLS_NAMES },
          port,
        );
        const other = caFile === "wrong" ? makeCertificates(mkdtempSync(join(work, "other-"))).ca : served.ca;
        mkdirSync(join(dir, "tls"), { recursive: true });
        writeFileSync(join(dir, "tls", "ca.pem"), other);
        const ok = await boot(dir, script, "wait-ready").then(
          () => true,
          () => false,
        );
        return { dir, ok };
      } finally {
        server.close();
      }
    }

    it("checks /readyz over HTTPS against the stack's CA", async () => {
      const { dir, ok } = await readyAgainst("right");
      expect(ok).toBe(true);
      expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain("READY: https://127.0.0.1:");
    });

    it("does not accept a server whose chain is not the stack's CA", async () => {
      expect((await readyAgainst("wrong")).ok).toBe(false);
    });
  },
);

describe("i2v-boot lifecycle (scale-out worker)", () => {
  /** Fakes that log every call in order; IMDS answers the lifecycle states given, then Terminated. */
  function installWorker(states: string[]): { dir: string; script: string } {
    const { dir, script } = install(`lifecycle-${states.length}`, {
      role: "worker",
      lifecycle: { groupName: "i2v-dev-workers", terminateHook: "i2v-drain", launchHook: "i2v-prepared" },
    });
    writeFileSync(join(dir, "states"), `${states.join("\n")}\n`);
    const logCall = `printf '%s\\n' "$(basename "$0") $*" >> "${dir}/calls.log"`;
    const tool = (name: string, body: string) => {
      writeFileSync(join(dir, name), `#!/bin/bash\n${logCall}\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    };
    tool(
      "curl",
      `case "\${*: -1}" in
  */target-lifecycle-state) state="$(head -n 1 "${dir}/states")"; sed -i 1d "${dir}/states"; echo "\${state:-Terminated}" ;;
  */instance-id) echo i-0123456789 ;;
  *) echo imds-session ;;
esac`,
    );
    tool("systemctl", "");
    tool("aws", "");
    tool("sleep", ""); // the watcher polls every 5 s; the test need not wait
    return { dir, script };
  }

  const calls = (dir: string) =>
    readFileSync(join(dir, "calls.log"), "utf8")
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith("curl") && !line.startsWith("sleep"));

  const complete = (hook: string) =>
    `aws autoscaling complete-lifecycle-action --region eu-west-1 --auto-scaling-group-name i2v-dev-workers --lifecycle-hook-name ${hook} --instance-id i-0123456789 --lifecycle-action-result CONTINUE`;

  it("prepares for the warm pool without starting the runtime, starts it in service, drains before completing the terminate hook", async () => {
    const { dir, script } = installWorker(["Warmed:Pending", "Warmed:Pending", "InService", "InService"]);
    await boot(dir, script, "lifecycle");
    expect(calls(dir)).toEqual([
      "systemctl start i2v-prepare.service",
      complete("i2v-prepared"),
      "systemctl start i2v-prepare.service",
      complete("i2v-prepared"),
      "systemctl start --no-block i2v-runtime.service",
      "systemctl stop i2v-runtime.service",
      complete("i2v-drain"),
    ]);
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toMatch(/drained; terminate hook completed/);
  });

  it("reads IMDS with a v2 session token only", async () => {
    const { dir, script } = installWorker([]);
    await boot(dir, script, "lifecycle");
    const curls = readFileSync(join(dir, "calls.log"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("curl"));
    expect(curls[0]).toContain("-X PUT --header X-aws-ec2-metadata-token-ttl-seconds: 60");
    expect(curls[1]).toContain("--header X-aws-ec2-metadata-token: imds-session");
  });
});
