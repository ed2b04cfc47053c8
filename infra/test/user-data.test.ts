import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hasTool } from "../../test/support/tools.ts";
import { renderBootScript } from "../user-data/boot-script.ts";
import { renderUserData } from "../user-data/cloud-config.ts";
import { shellQuote } from "../user-data/shell.ts";
import type { BootSpec } from "../user-data/spec.ts";

const ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/i2v:2026-11-26";

const base: BootSpec = {
  region: "us-east-1",
  imageUri: ECR_IMAGE,
  ecr: { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com", region: "us-east-1" },
  storage: "instance-store",
  tokenParameterName: "/i2v/dev/api-token",
  tls: { cert: "/i2v/dev/tls/cert", key: "/i2v/dev/tls/key", ca: "/i2v/dev/tls/ca" },
  weights: "baked",
  mirror: undefined,
  runtimeEnv: {},
  readyTimeoutSeconds: 1200,
};

/** The variants a stack can produce; each must pass both real tools. */
const variants: Record<string, BootSpec> = {
  "instance store, baked weights, token": base,
  "ebs, fetched weights through a mirror": {
    ...base,
    storage: "ebs",
    weights: "ali-vilab/i2vgen-xl@main",
    mirror: "hf-mirror",
  },
  "image outside ECR, no token": {
    ...base,
    imageUri: "ghcr.io/example/i2v:1.0",
    ecr: undefined,
    tokenParameterName: undefined,
  },
  "plain HTTP (no TLS parameters)": { ...base, tls: undefined },
  "runtime env with quotes and spaces": {
    ...base,
    runtimeEnv: { I2V_NOTE: `it's "quoted" $HOME; rm -rf /`, EMPTY: "" },
  },
};

/** The scale-out roles' documents (their structure differs; both must pass the same real tools). */
const scaleOutVariants: Record<string, BootSpec> = {
  "scale-out api": {
    ...base,
    role: "api",
    queueUrlParameterName: "/i2v/dev/queue-url",
    runtimeEnv: { I2V_ROLE: "api", I2V_STORAGE: "s3://bucket/jobs", I2V_METRICS_NAMESPACE: "i2v" },
  },
  "scale-out worker with a warm pool": {
    ...base,
    tls: undefined,
    role: "worker",
    queueUrlParameterName: "/i2v/dev/queue-url",
    lifecycle: { groupName: "i2v-dev-workers", terminateHook: "i2v-drain", launchHook: "i2v-prepared" },
    drainTimeoutSeconds: 600,
    runtimeEnv: { I2V_ROLE: "worker", I2V_STORAGE: "s3://bucket/jobs", I2V_DRAIN_TIMEOUT_S: "600" },
  },
};
const allVariants = { ...variants, ...scaleOutVariants };

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
}

function parseDocument(text: string): { write_files: WriteFile[]; runcmd: string[][] } {
  expect(text.startsWith("#cloud-config\n")).toBe(true);
  return parse(text);
}

const work = mkdtempSync(join(tmpdir(), "i2v-user-data-"));
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

describe("rendered user-data", () => {
  it.each(Object.entries(variants))(
    "%s: writes the helper and both units, then waits for readiness",
    (_, spec) => {
      const doc = parseDocument(renderUserData(spec));
      expect(doc.write_files.map((f) => f.path)).toEqual([
        "/usr/local/sbin/i2v-boot",
        "/etc/systemd/system/i2v-prepare.service",
        "/etc/systemd/system/i2v-runtime.service",
      ]);
      expect(doc.runcmd.at(-1)).toEqual(["/usr/local/sbin/i2v-boot", "wait-ready"]);
      const script = doc.write_files[0] as WriteFile;
      expect(script.permissions).toBe("0755");
      expect(script.content).toContain(`IMAGE=${shellQuote(spec.imageUri)}`);
    },
  );

  it("reads the token from SSM into a 0600 env file and never carries a token value", () => {
    const script = renderBootScript(base);
    expect(script).toContain("TOKEN_PARAMETER='/i2v/dev/api-token'");
    expect(script).toMatch(/aws ssm get-parameter .*--with-decryption/);
    expect(script).toContain('chmod 0600 "$tmp"');
    expect(script).not.toMatch(/I2V_TOKEN=[A-Za-z0-9]/);
    expect(script).not.toMatch(/^\s*set -x/m);
  });

  it("fetches the TLS key from its SecureString by name and serves HTTPS with the CA pinned", () => {
    const script = renderBootScript(base);
    expect(script).toContain("TLS_KEY_PARAMETER='/i2v/dev/tls/key'");
    expect(script).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    expect(script).toContain('url="https://127.0.0.1:$PORT/readyz"');
    expect(script).toContain('tls_args=(--cacert "$TLS_DIR/ca.pem")');
    const unit = (parseDocument(renderUserData(base)).write_files[2] as WriteFile).content;
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/i2v-boot tls");
    expect(unit).toContain("ExecReload=/usr/bin/docker kill --signal HUP i2v-runtime");
  });

  it("a worker starts its runtime from the lifecycle unit, drains on scale-in, and never waits for readiness", () => {
    const doc = parseDocument(
      renderUserData(scaleOutVariants["scale-out worker with a warm pool"] as BootSpec),
    );
    expect(doc.write_files.map((f) => f.path)).toContain("/etc/systemd/system/i2v-lifecycle.service");
    expect(doc.runcmd).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "i2v-prepare.service", "i2v-lifecycle.service"],
      ["systemctl", "start", "--no-block", "i2v-lifecycle.service"],
    ]);
    const runtime = (doc.write_files[2] as WriteFile).content;
    expect(runtime).toContain("ExecStop=/usr/bin/docker stop --time 600 i2v-runtime");
    expect(runtime).toContain("TimeoutStopSec=630");
    const script = (doc.write_files[0] as WriteFile).content;
    expect(script).toContain("ASG_NAME='i2v-dev-workers'");
    expect(script).toContain("meta-data/autoscaling/target-lifecycle-state");
  });

  it("the API box installs Docker (Amazon Linux 2023) and runs without GPUs", () => {
    const doc = parseDocument(renderUserData(scaleOutVariants["scale-out api"] as BootSpec)) as ReturnType<
      typeof parseDocument
    > & { packages?: string[] };
    expect(doc.packages).toEqual(["docker"]);
    expect(doc.runcmd[0]).toEqual(["systemctl", "enable", "--now", "docker.service"]);
    expect(doc.runcmd.at(-1)).toEqual(["/usr/local/sbin/i2v-boot", "wait-ready"]);
  });

  it("logs in to ECR only for ECR images", () => {
    expect(renderBootScript(base)).toContain("ECR_REGISTRY='123456789012.dkr.ecr.us-east-1.amazonaws.com'");
    expect(renderBootScript(variants["image outside ECR, no token"] as BootSpec)).toContain(
      "ECR_REGISTRY=''",
    );
  });

  it("runs the container under systemd with restart, the token env file and GPUs", () => {
    const doc = parseDocument(renderUserData(base));
    const unit = (doc.write_files[2] as WriteFile).content;
    expect(unit).toContain("Restart=always");
    expect(unit).toContain("ExecStartPre=/usr/local/sbin/i2v-boot token");
    expect(unit).toContain("Requires=docker.service i2v-prepare.service");
    const script = renderBootScript(base);
    expect(script).toContain('gpu_args=(--gpus all) net_args=(--publish "$PORT:$PORT")');
    expect(script).toContain('--env-file "$ENV_FILE"');
    expect(script).toContain("/readyz");
  });

  it("fetches weights inside the image with the cache on the fast disk, unless they are baked", () => {
    const fetch = renderBootScript(variants["ebs, fetched weights through a mirror"] as BootSpec);
    // One source on AWS (the mirror asked for); the shared fetch_weights tries each in order.
    expect(fetch).toContain("WEIGHTS_SOURCES=(\n  'hf-mirror ali-vilab/i2vgen-xl@main'\n)");
    expect(fetch).toContain('args=(node /app/runtime/dist/weights/main.js "$ref")');
    expect(fetch).toContain('args+=(--mirror "$mirror")');
    expect(fetch).toContain('--volume "$MOUNT/hf:$CONTAINER_CACHE"');
  });

  it("quotes hostile values so the shell sees them as data", () => {
    const script = renderBootScript(variants["runtime env with quotes and spaces"] as BootSpec);
    const out = execFileSync(
      "bash",
      ["-c", `${script.split("# --- body")[0]}\nprintf '%s\\n' "\${RUNTIME_ENV[@]}"`],
      {
        encoding: "utf8",
      },
    );
    expect(out).toBe(`I2V_NOTE=it's "quoted" $HOME; rm -rf /\nEMPTY=\n`);
  });
});

describe.skipIf(!hasTool("cloud-init", ["--version"]))("cloud-init schema", () => {
  it.each(Object.entries(allVariants))("%s: valid cloud-config", (name, spec) => {
    const file = join(work, `${name.replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, renderUserData(spec));
    const result = runTool("cloud-init", ["schema", "--config-file", file]);
    expect(result.output).toContain("Valid cloud-config");
    expect(result.ok, result.output).toBe(true);
  });

  it("the check itself rejects a broken document (so a pass means something)", () => {
    const file = join(work, "broken.yaml");
    writeFileSync(
      file,
      "#cloud-config\nwrite_files:\n  - path: 7\n    permissions: 755\nruncmd: [[ls, 1]]\n",
    );
    expect(runTool("cloud-init", ["schema", "--config-file", file]).ok).toBe(false);
  });
});

describe.skipIf(!hasTool("shellcheck"))("shellcheck", () => {
  it.each(Object.entries(allVariants))("%s: the boot helper has no findings", (name, spec) => {
    const doc = parseDocument(renderUserData(spec));
    const file = join(work, `${name.replace(/\W+/g, "-")}.sh`);
    writeFileSync(file, (doc.write_files[0] as WriteFile).content);
    const result = runTool("shellcheck", ["--shell=bash", "--severity=style", file]);
    expect(result.output).toBe("");
    expect(result.ok).toBe(true);
  });

  it("the check itself flags a broken script (so a pass means something)", () => {
    const file = join(work, "broken.sh");
    writeFileSync(file, "#!/bin/bash\nrm -rf $DIR/*\n");
    expect(runTool("shellcheck", [file]).ok).toBe(false);
  });
});
