import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { renderAlicloudBootScript } from "../alicloud/user-data/boot-script.ts";
import type { AlicloudBootSpec } from "../alicloud/user-data/spec.ts";
import { weightsSources } from "../alicloud/weights-sources.ts";

// Runs the rendered Alibaba boot helper for real (bash), with fake `aliyun`, `docker` and `curl`
// on PATH that answer as the real ones do (the CLI's JSON, the metadata server's plain text), and
// the box's fixed paths pointed into a temporary folder. GPU and disks are not run here.

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), "i2v-ali-boot-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TOKEN = "tokFromOos0123456789";
const KEY = "-----BEGIN EC PRIVATE KEY-----\\nkeyFromOos\\n-----END EC PRIVATE KEY-----";
const spec: AlicloudBootSpec = {
  region: "cn-hangzhou",
  imageUri: "reg-registry-vpc.cn-hangzhou.cr.aliyuncs.com/ns/runtime:latest",
  registry: { instanceId: "cri-abc", host: "reg-registry-vpc.cn-hangzhou.cr.aliyuncs.com" },
  roleName: "i2v-dev-box",
  tokenParameterName: "i2v-dev-api-token",
  tlsKeyParameterName: "i2v-dev-tls-key",
  tls: { certPem: "CERT", caPem: "CA" },
  diskSerial: "bp1disk",
  weightsSources: weightsSources("ali-vilab/i2vgen-xl", undefined),
  aptMirror: undefined,
  runtimeEnv: {},
  readyTimeoutSeconds: 0,
};

function executable(dir: string, name: string, body: string): void {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/bash\n${body}\n`);
  chmodSync(file, 0o755);
}

/** Fakes for one run; `failingMirrors` makes `docker run ... --mirror NAME` fail for those names. */
function install(name: string, failingMirrors: string[] = []): { dir: string; script: string } {
  const dir = mkdtempSync(join(work, `${name}-`));
  mkdirSync(join(dir, "tls"));
  // aliyun: OOS GetSecretParameter answers {"Parameter":{"Value":...}}; records its arguments.
  executable(
    dir,
    "aliyun",
    `printf '%s\\n' "$@" >> "${dir}/aliyun.args"
case "$*" in
  *"--Name i2v-dev-api-token"*) printf '{"Parameter":{"Name":"i2v-dev-api-token","Value":"${TOKEN}"}}\\n' ;;
  *"--Name i2v-dev-tls-key"*) printf '%s\\n' '{"Parameter":{"Name":"i2v-dev-tls-key","Value":"${KEY}"}}' ;;
  *GetAuthorizationToken*) printf '{"TempUsername":"cr_temp_user","AuthorizationToken":"crTempPassword"}\\n' ;;
  *) exit 1 ;;
esac`,
  );
  // curl: the hardened-mode metadata server (a token for PUT, the role name for the listing).
  executable(
    dir,
    "curl",
    `case "$*" in
  *"/latest/api/token"*) echo metadataToken ;;
  *"ram/security-credentials/"*) echo i2v-dev-box ;;
  *) exit 7 ;;
esac`,
  );
  executable(
    dir,
    "docker",
    `printf '%s\\n' "$*" >> "${dir}/docker.args"
case "$*" in
  "image inspect --format {{.Config.User}}"*) id -u ;;
  ${failingMirrors.map((m) => `*"--mirror ${m}"*) exit 3 ;;`).join("\n  ")}
  login*) cat > "${dir}/docker-login.stdin" ;;
esac`,
  );
  let script = renderAlicloudBootScript(spec)
    .replace("ENV_FILE='/etc/i2v/runtime.env'", `ENV_FILE='${dir}/etc/runtime.env'`)
    .replace("TLS_DIR='/etc/i2v/tls'", `TLS_DIR='${dir}/tls'`)
    .replace("LOG='/var/log/i2v-boot.log'", `LOG='${dir}/boot.log'`)
    .replace("MOUNT='/mnt/i2v'", `MOUNT='${dir}/mnt'`);
  // Two steps of `prepare` that need no GPU or disk, made callable by name for this test only.
  script = script.replace(
    "  run) run_container ;;",
    "  run) run_container ;;\n  fetch-weights) fetch_weights ;;\n  acr-login) acr_login ;;",
  );
  writeFileSync(join(dir, "i2v-boot"), script);
  return { dir, script: join(dir, "i2v-boot") };
}

async function boot(dir: string, script: string, command: string) {
  return run("bash", [script, command], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    timeout: 20_000,
  });
}

describe("alicloud i2v-boot token", () => {
  it("reads the token and the TLS key from OOS as the instance role into root-only files, printing neither", async () => {
    const { dir, script } = install("token");
    const { stdout, stderr } = await boot(dir, script, "token");
    expect(readFileSync(join(dir, "etc/runtime.env"), "utf8")).toBe(`I2V_TOKEN=${TOKEN}\n`);
    expect(statSync(join(dir, "etc/runtime.env")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, "tls/server.key"), "utf8")).toBe(
      "-----BEGIN EC PRIVATE KEY-----\nkeyFromOos\n-----END EC PRIVATE KEY-----\n",
    );
    expect(statSync(join(dir, "tls/server.key")).mode & 0o777).toBe(0o400);
    expect(stdout + stderr).not.toContain(TOKEN);
    const args = readFileSync(join(dir, "aliyun.args"), "utf8").split("\n");
    expect(args.slice(0, 7)).toEqual([
      "--mode",
      "EcsRamRole",
      "--ram-role-name",
      "i2v-dev-box",
      "--region",
      "cn-hangzhou",
      "oos",
    ]);
    expect(args).toEqual(expect.arrayContaining(["GetSecretParameter", "--WithDecryption", "true"]));
  });
});

describe("alicloud i2v-boot weights", () => {
  it("falls back from ModelScope to hf-mirror, saying which failed", async () => {
    const { dir, script } = install("fallback", ["modelscope"]);
    await boot(dir, script, "fetch-weights");
    const log = readFileSync(join(dir, "boot.log"), "utf8");
    expect(log).toContain("weights: iic/i2vgen-xl from modelscope failed; trying the next source");
    expect(log).toMatch(/weights: ready from hf-mirror in \d+s/);
    const runs = readFileSync(join(dir, "docker.args"), "utf8").trim().split("\n");
    expect(runs.map((r) => r.split(" --mirror ")[1])).toEqual(["modelscope", "hf-mirror"]);
  });

  it("uses ModelScope alone when it works", async () => {
    const { dir, script } = install("modelscope");
    await boot(dir, script, "fetch-weights");
    expect(readFileSync(join(dir, "docker.args"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain("ready from modelscope");
  });

  it("stops naming every source when all fail", async () => {
    const { dir, script } = install("allfail", ["modelscope", "hf-mirror"]);
    await expect(boot(dir, script, "fetch-weights")).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain(
      "FAILED: weights: every source failed (modelscope iic/i2vgen-xl hf-mirror ali-vilab/i2vgen-xl)",
    );
  });
});

describe("alicloud i2v-boot registry and run", () => {
  it("logs in to the ACR VPC host with the temporary user and token from GetAuthorizationToken", async () => {
    const { dir, script } = install("acr");
    await boot(dir, script, "acr-login");
    expect(readFileSync(join(dir, "docker-login.stdin"), "utf8")).toBe("crTempPassword\n");
    expect(readFileSync(join(dir, "docker.args"), "utf8")).toContain(
      "login --username cr_temp_user --password-stdin reg-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
    );
    expect(readFileSync(join(dir, "aliyun.args"), "utf8")).toContain("--InstanceId\ncri-abc");
  });

  it("starts the container with GPUs, the env file, the read-only cache and the TLS files", async () => {
    const { dir, script } = install("run");
    await boot(dir, script, "run");
    const args = readFileSync(join(dir, "docker.args"), "utf8").trim();
    expect(args).toContain("run --rm --name i2v-runtime --gpus all --publish 7860:7860");
    expect(args).toContain(`--volume ${dir}/mnt/hf:/models/hf:ro`);
    expect(args).toContain(
      `--volume ${dir}/tls:/etc/i2v/tls:ro --env I2V_TLS_CERT=/etc/i2v/tls/server.crt --env I2V_TLS_KEY=/etc/i2v/tls/server.key`,
    );
    expect(args.endsWith(spec.imageUri)).toBe(true);
  });
});
