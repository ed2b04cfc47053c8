import { readFileSync } from "node:fs";
import { MIN_DRIVER_MAJOR } from "../../decisions/gpu-driver.ts";
import { renderHelper } from "../../user-data/render-helper.ts";
import { BOX } from "../../user-data/spec.ts";
import { ALIYUN_CLI_URL, DRIVER_BRANCH, TOOLKIT_MIRROR } from "../host-setup.ts";
import type { AlicloudBootSpec } from "./spec.ts";

/** The Alibaba body, kept as a real .sh file so it reads (and lints) as shell. */
const BODY = readFileSync(new URL("./i2v-boot-alicloud.sh", import.meta.url), "utf8");

/**
 * The Alibaba boot helper, through the one renderer (infra/user-data/render-helper.ts). Secret
 * parameters are rendered by *name*; their values are read from OOS on the box.
 */
export function renderAlicloudBootScript(spec: AlicloudBootSpec): string {
  const acr = spec.image.from === "acr" ? spec.image : undefined;
  const oss = spec.image.from === "oss" ? spec.image : undefined;
  const settings: [string, string][] = [
    ["REGION", spec.region],
    ["IMAGE", spec.imageUri],
    ["REGISTRY", acr?.host ?? ""],
    ["ACR_INSTANCE_ID", acr?.instanceId ?? ""],
    ["ARCHIVE_BUCKET", oss?.bucket ?? ""],
    ["ARCHIVE_OBJECT", oss?.object ?? ""],
    ["OSS_ENDPOINT", oss?.endpoint ?? ""],
    ["HOST_SETUP", spec.hostSetup],
    ["DRIVER_BRANCH", DRIVER_BRANCH],
    ["MIN_DRIVER", String(MIN_DRIVER_MAJOR)],
    ["TOOLKIT_MIRROR", TOOLKIT_MIRROR],
    ["ALIYUN_CLI_URL", ALIYUN_CLI_URL],
    [
      "GPU_HINT",
      spec.hostSetup === "install"
        ? "see the host: steps above (journalctl -u cloud-final); is this a gn6i/gn7i/gn7e type?"
        : "is this a gn6i/gn7i/gn7e type, and does i2v:imageId carry the NVIDIA driver?",
    ],
    [
      "DRIVER_HINT",
      spec.hostSetup === "install"
        ? `the install took an older driver than nvidia-*-${DRIVER_BRANCH}; replace the box (pulumi up --replace on the instance)`
        : "rebuild the custom image (i2v:imageId) with a newer driver, or drop i2v:imageId to use the public image with the driver installed at boot",
    ],
    [
      "LOGIN_HINT",
      `ACR login to ${acr?.host ?? "(none)"} failed (is the VPC linked to the instance's VPC endpoint?)`,
    ],
    ["ROLE_NAME", spec.roleName],
    ["ROLE", "all"],
    ["DISK_SERIAL", spec.diskSerial],
    ["MOUNT", BOX.mount],
    ["CONTAINER_CACHE", BOX.containerCache],
    ["TOKEN_PARAMETER", spec.tokenParameterName ?? ""],
    ["TLS_KEY_PARAMETER", spec.tlsKeyParameterName ?? ""],
    ["TLS_DIR", BOX.tlsDir],
    ["CONTAINER_TLS_DIR", BOX.containerTlsDir],
    ["RUNTIME_UID", String(BOX.runtimeUid)],
    ["PORT", String(BOX.port)],
    ["READY_TIMEOUT_S", String(spec.readyTimeoutSeconds)],
    ["ENV_FILE", BOX.envFile],
    ["LOG", BOX.log],
    ["CONTAINER", BOX.container],
  ];
  return renderHelper({
    title:
      "i2v boot helper (Alibaba Cloud), rendered by infra/alicloud/user-data/boot-script.ts from the stack's config.",
    settings,
    arrays: [
      {
        name: "WEIGHTS_SOURCES",
        values: spec.weightsSources.map((s) => `${s.mirror} ${s.ref}`),
        notes: spec.weightsSources.map((s) => `weights source: ${s.mirror} ${s.ref} (${s.note})`),
      },
      { name: "RUNTIME_ENV", values: Object.entries(spec.runtimeEnv).map(([k, v]) => `${k}=${v}`) },
    ],
    body: BODY,
  });
}
