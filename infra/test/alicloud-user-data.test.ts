import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hasTool } from "../../test/support/tools.ts";
import { bootMirror } from "../alicloud/mirror-choice.ts";
import { renderAlicloudBootScript } from "../alicloud/user-data/boot-script.ts";
import { renderAlicloudUserData } from "../alicloud/user-data/cloud-config.ts";
import type { AlicloudBootSpec } from "../alicloud/user-data/spec.ts";
import { weightsSources } from "../alicloud/weights-sources.ts";

const base: AlicloudBootSpec = {
  region: "cn-hangzhou",
  imageUri: "i2vreg-registry-vpc.cn-hangzhou.cr.aliyuncs.com/i2v-dev-images/runtime:latest",
  image: { from: "acr", instanceId: "cri-abc", host: "i2vreg-registry-vpc.cn-hangzhou.cr.aliyuncs.com" },
  hostSetup: "check",
  roleName: "i2v-dev-box",
  tokenParameterName: "i2v-dev-api-token",
  tlsKeyParameterName: "i2v-dev-tls-key",
  tls: {
    certPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    caPem: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
  },
  diskSerial: "bp1abcdef0123456789",
  weightsSources: [],
  aptMirror: { ubuntu: bootMirror().ubuntu },
  runtimeEnv: {},
  readyTimeoutSeconds: 1200,
};

/** The minimal stack's boot: public image (GPU stack installed at boot), image from the OSS archive. */
const publicImageOss: AlicloudBootSpec = {
  ...base,
  imageUri: "i2v-local/runtime:latest",
  image: {
    from: "oss",
    bucket: "i2v-dev-img-1234567890123456",
    endpoint: "oss-cn-hangzhou-internal.aliyuncs.com",
    object: "images/runtime-latest.tar.gz",
  },
  hostSetup: "install",
};

/** The variants an alicloud stack can produce; each must pass both real tools. */
const variants: Record<string, AlicloudBootSpec> = {
  "custom image, ACR image, baked weights, token and TLS": base,
  "public image with driver install, OSS archive": publicImageOss,
  "public image with driver install, ACR": { ...base, hostSetup: "install" },
  "custom image, OSS archive": { ...publicImageOss, hostSetup: "check" },
  "fetched weights: ModelScope then hf-mirror": {
    ...base,
    weightsSources: weightsSources("ali-vilab/i2vgen-xl@main", undefined),
  },
  "image outside ACR, no token, no apt mirror": {
    ...base,
    imageUri: "registry.example.cn/i2v:1.0",
    image: { from: "registry" },
    tokenParameterName: undefined,
    aptMirror: undefined,
  },
  "runtime env with quotes and dollars": {
    ...base,
    runtimeEnv: { I2V_NOTE: `it's "quoted" $HOME; rm -rf /` },
  },
};

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
}

const work = mkdtempSync(join(tmpdir(), "i2v-ali-user-data-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runTool(command: string, args: string[]): { ok: boolean; output: string } {
  try {
    return {
      ok: true,
      output: execFileSync(command, args, { encoding: "utf8", stdio: "pipe", timeout: 30_000 }),
    };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("alicloud user data", () => {
  it("writes the helper, both units and the public TLS files, with apt on the in-region mirror", () => {
    const doc = parse(renderAlicloudUserData(base));
    expect(doc.write_files.map((f: WriteFile) => f.path)).toEqual([
      "/usr/local/sbin/i2v-boot",
      "/etc/systemd/system/i2v-prepare.service",
      "/etc/systemd/system/i2v-runtime.service",
      // The same names as on AWS (cert.pem, ca.pem; key.pem comes from OOS at start).
      "/etc/i2v/tls/cert.pem",
      "/etc/i2v/tls/ca.pem",
    ]);
    expect(doc.apt.primary[0].uri).toBe("http://mirrors.cloud.aliyuncs.com/ubuntu");
    // The host setup runs before the units, which need Docker.
    expect(doc.runcmd[0]).toEqual(["/usr/local/sbin/i2v-boot", "host-setup"]);
    expect(doc.runcmd.at(-1)).toEqual(["/usr/local/sbin/i2v-boot", "wait-ready"]);
  });

  it("reads secrets from OOS by name as the instance role, never carrying a value", () => {
    const script = renderAlicloudBootScript(base);
    expect(script).toContain("TOKEN_PARAMETER='i2v-dev-api-token'");
    expect(script).toContain('oos GetSecretParameter --Name "$1" --WithDecryption true');
    expect(script).toContain('aliyun --mode EcsRamRole --ram-role-name "$ROLE_NAME"');
    expect(script).not.toMatch(/^\s*set -x/m);
    expect(script).not.toContain("PRIVATE KEY");
  });

  it("logs in to ACR with a temporary token over the VPC host, only for ACR images", () => {
    expect(renderAlicloudBootScript(base)).toContain("cr GetAuthorizationToken --InstanceId");
    const other = renderAlicloudBootScript(
      variants["image outside ACR, no token, no apt mirror"] as AlicloudBootSpec,
    );
    expect(other).toContain("ACR_INSTANCE_ID=''");
  });

  it("on a public image: installs the driver branch of the image's minimum, Docker and the toolkit as named steps, each with what to do", () => {
    const script = renderAlicloudBootScript(publicImageOss);
    expect(script).toContain("HOST_SETUP='install'");
    expect(script).toContain("DRIVER_BRANCH='580-server'");
    expect(script).toContain("MIN_DRIVER='580'");
    for (const name of [
      "1/5 NVIDIA driver",
      "2/5 Docker",
      "3/5 NVIDIA Container Toolkit",
      "4/5 aliyun CLI",
      "5/5 nvidia-smi",
    ])
      expect(script).toContain(`step "${name}`);
    expect(script).toContain("apt_install docker.io");
    expect(renderAlicloudBootScript(base)).toContain("HOST_SETUP='check'");
  });

  it("fits ECS's 16 KB user-data limit once packed, in the largest variant", async () => {
    const { packAlicloudUserData } = await import("../alicloud/user-data/cloud-config.ts");
    const packed = packAlicloudUserData(renderAlicloudUserData(publicImageOss));
    expect(Buffer.from(packed, "base64").length).toBeLessThan(16 * 1024);
  });

  it("tries ModelScope (unverified id) and then hf-mirror, in that order", () => {
    const script = renderAlicloudBootScript(
      variants["fetched weights: ModelScope then hf-mirror"] as AlicloudBootSpec,
    );
    const block = /WEIGHTS_SOURCES=\(\n([\s\S]*?)\n\)/.exec(script)?.[1];
    expect(block).toBe("  'modelscope iic/i2vgen-xl'\n  'hf-mirror ali-vilab/i2vgen-xl@main'");
    expect(script).toContain("unverified");
  });

  it("the weights source list runs through bash as data: each source splits into mirror and ref", () => {
    const script = renderAlicloudBootScript(
      variants["fetched weights: ModelScope then hf-mirror"] as AlicloudBootSpec,
    );
    const header = script.split("# --- body")[0];
    const out = execFileSync(
      "bash",
      ["-c", `${header}\nfor s in "\${WEIGHTS_SOURCES[@]}"; do echo "\${s%% *}|\${s#* }"; done`],
      { encoding: "utf8" },
    );
    expect(out).toBe("modelscope|iic/i2vgen-xl\nhf-mirror|ali-vilab/i2vgen-xl@main\n");
  });
});

describe.skipIf(!hasTool("cloud-init", ["--version"]))("alicloud: cloud-init schema", () => {
  it.each(Object.entries(variants))("%s: valid cloud-config", (name, spec) => {
    const file = join(work, `${name.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, renderAlicloudUserData(spec));
    const result = runTool("cloud-init", ["schema", "--config-file", file]);
    expect(result.output).toContain("Valid cloud-config");
    expect(result.ok, result.output).toBe(true);
  });

  it("the check itself rejects a broken apt section (so a pass means something)", () => {
    const file = join(work, "broken-apt.yaml");
    writeFileSync(file, "#cloud-config\napt:\n  primary: [{arches: default, uri: 7}]\n");
    expect(runTool("cloud-init", ["schema", "--config-file", file]).ok).toBe(false);
  });
});

describe.skipIf(!hasTool("shellcheck"))("alicloud: shellcheck", () => {
  it.each(Object.entries(variants))("%s: the boot helper has no findings", (name, spec) => {
    const doc = parse(renderAlicloudUserData(spec));
    const file = join(work, `${name.replace(/\W+/g, "-")}.sh`);
    writeFileSync(file, (doc.write_files[0] as WriteFile).content);
    const result = runTool("shellcheck", ["--shell=bash", "--severity=style", file]);
    expect(result.output).toBe("");
    expect(result.ok).toBe(true);
  });
});
