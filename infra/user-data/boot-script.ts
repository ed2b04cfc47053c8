import { readFileSync } from "node:fs";
import { MIN_DRIVER_MAJOR } from "../decisions/gpu-driver.ts";
import { renderHelper } from "./render-helper.ts";
import { BOX, type BootSpec } from "./spec.ts";

/** The AWS body, kept as a real .sh file so it reads (and lints) as shell. */
const BODY = readFileSync(new URL("./i2v-boot.sh", import.meta.url), "utf8");

/**
 * The AWS boot helper (infra/user-data/render-helper.ts renders it). The token's and the TLS key's
 * parameter *names* are rendered; their values are read from SSM on the box and never appear here
 * (user data is readable by anyone with ec2:DescribeInstanceAttribute).
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
    ["MIN_DRIVER", String(MIN_DRIVER_MAJOR)],
    [
      "GPU_HINT",
      "is this a GPU instance type with the DLAMI (or an i2v:amiId that carries the NVIDIA driver)?",
    ],
    [
      "DRIVER_HINT",
      "the DLAMI's current release carries a newer driver: replace the box (pulumi up --replace on the instance) or set i2v:amiId to an AMI with a newer driver (docs/infra.md#gpu-driver)",
    ],
    [
      "LOGIN_HINT",
      `ECR login to ${spec.ecr?.registry ?? "(none)"} failed; does the box's role allow ecr:GetAuthorizationToken?`,
    ],
    ["PORT", String(BOX.port)],
    ["READY_TIMEOUT_S", String(spec.readyTimeoutSeconds)],
    ["ENV_FILE", BOX.envFile],
    ["LOG", BOX.log],
    ["CONTAINER", BOX.container],
  ];
  const sources = spec.weights === "baked" ? [] : [`${spec.mirror ?? "default"} ${spec.weights}`];
  return renderHelper({
    title: "i2v boot helper (AWS), rendered by infra/user-data/boot-script.ts from the stack's config.",
    settings,
    arrays: [
      { name: "WEIGHTS_SOURCES", values: sources },
      { name: "RUNTIME_ENV", values: Object.entries(spec.runtimeEnv).map(([k, v]) => `${k}=${v}`) },
    ],
    body: BODY,
  });
}
