import { readFileSync } from "node:fs";
import { shellQuote } from "./shell.ts";
import { BOX, type BootSpec } from "./spec.ts";

/** The shell body, kept as a real .sh file so it reads (and lints) as shell. */
const BODY = readFileSync(new URL("./i2v-boot.sh", import.meta.url), "utf8");

/**
 * The boot helper: rendered settings (every value shell-quoted) followed by the fixed body. The
 * token parameter's *name* is rendered; its value is read from SSM on the box and never appears here.
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
    ["TOKEN_PARAMETER", spec.tokenParameterName ?? ""],
    ["WEIGHTS", spec.weights],
    ["MIRROR", spec.mirror ?? ""],
    ["PORT", String(BOX.port)],
    ["READY_TIMEOUT_S", String(spec.readyTimeoutSeconds)],
    ["ENV_FILE", BOX.envFile],
    ["LOG", BOX.log],
    ["CONTAINER", BOX.container],
  ];
  const env = Object.entries(spec.runtimeEnv).map(([k, v]) => `  ${shellQuote(`${k}=${v}`)}`);
  return [
    "#!/bin/bash",
    "# i2v boot helper, rendered by infra/user-data/boot-script.ts from the stack's config.",
    ...settings.map(([name, value]) => `${name}=${shellQuote(value)}`),
    "RUNTIME_ENV=(",
    ...env,
    ")",
    BODY,
  ].join("\n");
}
