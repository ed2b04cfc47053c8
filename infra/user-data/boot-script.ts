import { readFileSync } from "node:fs";
import { shellQuote } from "./shell.ts";
import { BOX, type BootSpec } from "./spec.ts";

/** The shell body, kept as a real .sh file so it reads (and lints) as shell. */
const BODY = readFileSync(new URL("./i2v-boot.sh", import.meta.url), "utf8");

/**
 * The boot helper: rendered settings (every value shell-quoted) followed by the fixed body. The
 * token's and the TLS key's parameter *names* are rendered; their values are read from SSM on the
 * box and never appear here (user data is readable by anyone with ec2:DescribeInstanceAttribute).
 */
export function renderBootScript(spec: BootSpec): string {
  const settings: [string, string][] = [
    ["REGION", spec.region],
    ["IMAGE", spec.imageUri],
    ["ECR_REGISTRY", spec.ecr?.registry ?? ""],
    ["ECR_REGION", spec.ecr?.region ?? ""],
    ["STORAGE", spec.storage],
    ["MOUNT", BOX.mount],
    ["CONTAINER_CACHE", BOX.containerCache],
    ["ROLE", spec.role ?? "all"],
    ["TOKEN_PARAMETER", spec.tokenParameterName ?? ""],
    ["QUEUE_URL_PARAMETER", spec.queueUrlParameterName ?? ""],
    ["ASG_NAME", spec.lifecycle?.groupName ?? ""],
    ["LAUNCH_HOOK", spec.lifecycle?.launchHook ?? ""],
    ["TERMINATE_HOOK", spec.lifecycle?.terminateHook ?? ""],
    ["DRAIN_TIMEOUT_S", String(spec.drainTimeoutSeconds ?? 90)],
    ["TLS_CERT_PARAMETER", spec.tls?.cert ?? ""],
    ["TLS_KEY_PARAMETER", spec.tls?.key ?? ""],
    ["TLS_CA_PARAMETER", spec.tls?.ca ?? ""],
    ["TLS_DIR", BOX.tlsDir],
    ["CONTAINER_TLS_DIR", BOX.containerTlsDir],
    ["RUNTIME_UID", String(BOX.runtimeUid)],
    ["WEIGHTS", spec.weights],
    ["MIRROR", spec.mirror ?? ""],
    ["PORT", String(BOX.port)],
    ["READY_TIMEOUT_S", String(spec.readyTimeoutSeconds)],
    ["ENV_FILE", BOX.envFile],
    ["LOG", BOX.log],
    ["CONTAINER", BOX.container],
  ];
  const env = Object.entries(spec.runtimeEnv).map(([k, v]) => `${k}=${v}`);
  return [
    "#!/bin/bash",
    "# i2v boot helper, rendered by infra/user-data/boot-script.ts from the stack's config.",
    ...settings.flatMap(([name, value]) => [...literalNote([value]), `${name}=${shellQuote(value)}`]),
    ...literalNote(env),
    "RUNTIME_ENV=(",
    ...env.map((pair) => `  ${shellQuote(pair)}`),
    ")",
    BODY,
  ].join("\n");
}

/** Values are data: a `$` in them must stay literal, which is exactly what ShellCheck's SC2016 asks about. */
function literalNote(values: string[]): string[] {
  return values.some((v) => /[$`]/.test(v))
    ? ["# shellcheck disable=SC2016 # rendered data, literal on purpose"]
    : [];
}
