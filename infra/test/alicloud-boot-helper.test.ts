import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
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
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
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
  image: { from: "acr", instanceId: "cri-abc", host: "reg-registry-vpc.cn-hangzhou.cr.aliyuncs.com" },
  hostSetup: "check",
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
function install(
  name: string,
  failingMirrors: string[] = [],
  overrides: Partial<AlicloudBootSpec> = {},
  extraDocker = "",
): { dir: string; script: string } {
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
  ${extraDocker}
esac`,
  );
  let script = renderAlicloudBootScript({ ...spec, ...overrides })
    .replace("RUNTIME_UID='10001'", `RUNTIME_UID='${process.getuid?.() ?? 0}'`)
    .replace("ENV_FILE='/etc/i2v/runtime.env'", `ENV_FILE='${dir}/etc/runtime.env'`)
    .replace("TLS_DIR='/etc/i2v/tls'", `TLS_DIR='${dir}/tls'`)
    .replace("LOG='/var/log/i2v-boot.log'", `LOG='${dir}/boot.log'`)
    .replace("MOUNT='/mnt/i2v'", `MOUNT='${dir}/mnt'`);
  // Steps of `prepare` that need no GPU or disk, made callable by name for this test only.
  script = script.replace(
    "  run) run_container ;;",
    "  run) run_container ;;\n  fetch-weights) fetch_weights ;;\n  acr-login) registry_login ;;\n  load-image) load_image ;;\n  check-driver) check_driver ;;",
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
    const tls = await boot(dir, script, "tls");
    expect(readFileSync(join(dir, "etc/runtime.env"), "utf8")).toBe(`I2V_TOKEN=${TOKEN}\n`);
    expect(statSync(join(dir, "etc/runtime.env")).mode & 0o777).toBe(0o600);
    // The same file name and owner as on AWS: key.pem, 0400, the runtime's uid.
    expect(readFileSync(join(dir, "tls/key.pem"), "utf8")).toBe(
      "-----BEGIN EC PRIVATE KEY-----\nkeyFromOos\n-----END EC PRIVATE KEY-----\n",
    );
    expect(statSync(join(dir, "tls/key.pem")).mode & 0o777).toBe(0o400);
    expect(statSync(join(dir, "tls/key.pem")).uid).toBe(process.getuid?.());
    expect(stdout + stderr + tls.stdout + tls.stderr).not.toContain(TOKEN);
    expect(tls.stdout + tls.stderr).not.toContain("keyFromOos");
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
      `--volume ${dir}/tls:/run/i2v/tls:ro --env I2V_TLS_CERT=/run/i2v/tls/cert.pem --env I2V_TLS_KEY=/run/i2v/tls/key.pem`,
    );
    expect(args.endsWith(spec.imageUri)).toBe(true);
  });
});

describe("alicloud i2v-boot image from the OSS archive", () => {
  const object = "images/runtime-latest.tar.gz";
  const ossSpec: Partial<AlicloudBootSpec> = {
    imageUri: "i2v-local/runtime:latest",
    image: {
      from: "oss",
      bucket: "i2v-dev-img-1",
      endpoint: "oss-cn-hangzhou-internal.aliyuncs.com",
      object,
    },
  };

  /** A bucket folder with a real gzip archive and its manifest (the format bake-image --offline writes). */
  function bucket(dir: string, tamper: boolean): string {
    const tar = Buffer.from("pretend docker save output\n".repeat(100));
    const archive = gzipSync(tar);
    const root = join(dir, "bucket");
    mkdirSync(join(root, "images"), { recursive: true });
    writeFileSync(join(root, object), tamper ? Buffer.concat([archive, Buffer.from("x")]) : archive);
    const manifest = {
      format: "i2v-offline/1",
      imageId: "sha256:abc123",
      tags: ["i2v-runtime:latest"],
      compression: "gzip",
      imageBytes: tar.length,
      archive: {
        file: "runtime-latest.tar.gz",
        bytes: archive.length,
        sha256: createHash("sha256").update(archive).digest("hex"),
      },
      labels: {},
      createdAt: "2026-01-01T00:00:00Z",
    };
    writeFileSync(join(root, `${object}.manifest.json`), JSON.stringify(manifest));
    // aliyun oss cp oss://BUCKET/KEY FILE: a copy out of the folder, as the role, on the internal endpoint.
    executable(
      dir,
      "aliyun",
      `printf '%s\\n' "$*" >> "${dir}/aliyun.args"
src="" dst=""
for a in "$@"; do case "$a" in oss://*) src="\${a#oss://i2v-dev-img-1/}" ;; /*) dst="$a" ;; esac; done
cp "${root}/$src" "$dst"`,
    );
    return tar.toString();
  }

  // docker: `load` keeps stdin; `image inspect sha256:abc123` answers only once something was loaded.
  const loadingDocker = (dir: string) => `load) cat > "${dir}/loaded.tar" ;;
  "image inspect sha256:abc123") test -e "${dir}/loaded.tar" ;;`;

  it("downloads with the role over the internal endpoint, verifies against the manifest, loads and tags it", async () => {
    const { dir, script } = install("oss-ok", [], ossSpec, loadingDocker(join(work, "oss-ok-docker")));
    mkdirSync(join(work, "oss-ok-docker"), { recursive: true });
    const tar = bucket(dir, false);
    await boot(dir, script, "load-image");
    expect(readFileSync(join(work, "oss-ok-docker", "loaded.tar"), "utf8")).toBe(tar);
    const docker = readFileSync(join(dir, "docker.args"), "utf8");
    expect(docker).toContain("tag sha256:abc123 i2v-runtime:latest");
    expect(docker).toContain("tag sha256:abc123 i2v-local/runtime:latest");
    const aliyun = readFileSync(join(dir, "aliyun.args"), "utf8");
    expect(aliyun).toContain("--mode EcsRamRole --ram-role-name i2v-dev-box");
    expect(aliyun).toContain("--endpoint oss-cn-hangzhou-internal.aliyuncs.com");
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toMatch(/image: verified and loaded sha256:abc123/);
  });

  it("refuses an archive that does not match its manifest, before Docker sees it", async () => {
    mkdirSync(join(work, "oss-bad-docker"), { recursive: true });
    const { dir, script } = install("oss-bad", [], ossSpec, loadingDocker(join(work, "oss-bad-docker")));
    bucket(dir, true);
    await expect(boot(dir, script, "load-image")).rejects.toMatchObject({ code: 1 });
    expect(existsSync(join(work, "oss-bad-docker", "loaded.tar"))).toBe(false);
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain(
      "FAILED: image: the archive does not match its manifest (size or sha256): refusing to load",
    );
  });
});

describe("i2v-boot driver check (shared by both clouds)", () => {
  /** nvidia-smi reporting `driver`; docker inspect answering the image's label `label`. */
  function withDriver(name: string, driver: string, label: string) {
    const { dir, script } = install(
      name,
      [],
      {},
      `"image inspect --format {{ index .Config.Labels \\"ai.i2v.cuda.min-driver\\" }}"*) echo '${label}' ;;`,
    );
    executable(dir, "nvidia-smi", `echo '${driver}'`);
    return { dir, script };
  }

  it("stops before the container when the driver is older than the image's label, saying what to do", async () => {
    const { dir, script } = withDriver("old", "570.86.15", "580");
    await expect(boot(dir, script, "check-driver")).rejects.toMatchObject({ code: 1 });
    const log = readFileSync(join(dir, "boot.log"), "utf8");
    expect(log).toContain("FAILED: driver: NVIDIA driver 570.86.15 is older than 580");
    expect(log).toContain("i2v:imageId");
  });

  it("passes a driver at the minimum, and falls back to the rendered minimum for an image without the label", async () => {
    const ok = withDriver("ok", "580.65.06", "580");
    await boot(ok.dir, ok.script, "check-driver");
    expect(readFileSync(join(ok.dir, "boot.log"), "utf8")).toContain("driver: 580.65.06 >= 580");
    const unlabeled = withDriver("nolabel", "575.51.03", "<no value>");
    await expect(boot(unlabeled.dir, unlabeled.script, "check-driver")).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(join(unlabeled.dir, "boot.log"), "utf8")).toContain("older than 580");
  });
});

describe("alicloud i2v-boot host-setup", () => {
  it("public image: names each step in the boot log and stops at the failing one with what to do", async () => {
    const { dir, script } = install("host-install", [], { hostSetup: "install" });
    // apt-get: the package lists refresh, but the mirror serves no driver package.
    executable(
      dir,
      "apt-get",
      `echo "$*" >> "${dir}/apt.args"; case "$1" in update) exit 0 ;; *) exit 100 ;; esac`,
    );
    await expect(boot(dir, script, "host-setup")).rejects.toMatchObject({ code: 1 });
    const log = readFileSync(join(dir, "boot.log"), "utf8");
    expect(log).toMatch(/host: 0\/5 apt package lists: done in \d+s/);
    expect(log).toContain("host: 1/5 NVIDIA driver 580-server: start");
    expect(log).toContain(
      "FAILED: host: 1/5 NVIDIA driver 580-server failed; check that the apt mirror serves Ubuntu's restricted component",
    );
    const apt = readFileSync(join(dir, "apt.args"), "utf8");
    expect(apt).toContain(
      "nvidia-headless-no-dkms-580-server nvidia-utils-580-server linux-modules-nvidia-580-server-",
    );
    expect(apt).not.toContain("docker.io");
  });

  it("custom image: installs nothing and names the missing tool and the way out", async () => {
    const { dir, script } = install("host-check", [], { hostSetup: "check" });
    executable(dir, "apt-get", `echo "$*" >> "${dir}/apt.args"`);
    await expect(boot(dir, script, "host-setup")).rejects.toMatchObject({ code: 1 });
    expect(readFileSync(join(dir, "boot.log"), "utf8")).toContain(
      "FAILED: host: nvidia-smi is missing from i2v:imageId",
    );
    expect(existsSync(join(dir, "apt.args"))).toBe(false);
  });
});
