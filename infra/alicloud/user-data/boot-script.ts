import { readFileSync } from "node:fs";
import { shellQuote } from "../../user-data/shell.ts";
import { BOX } from "../../user-data/spec.ts";
import { type AlicloudBootSpec, TLS_DIR } from "./spec.ts";

/** The shell body, kept as a real .sh file so it reads (and lints) as shell. */
const BODY = readFileSync(new URL("./i2v-boot-alicloud.sh", import.meta.url), "utf8");

/**
 * The Alibaba boot helper: rendered settings (every value shell-quoted) followed by the fixed body.
 * Secret parameters are rendered by *name*; their values are read from OOS on the box.
 */
export function renderAlicloudBootScript(spec: AlicloudBootSpec): string {
  const settings: [string, string][] = [
    ["REGION", spec.region],
    ["IMAGE", spec.imageUri],
    ["REGISTRY", spec.registry?.host ?? ""],
    ["ACR_INSTANCE_ID", spec.registry?.instanceId ?? ""],
    ["ROLE_NAME", spec.roleName],
    ["DISK_SERIAL", spec.diskSerial],
    ["MOUNT", BOX.mount],
    ["CONTAINER_CACHE", BOX.containerCache],
    ["TOKEN_PARAMETER", spec.tokenParameterName ?? ""],
    ["TLS_KEY_PARAMETER", spec.tlsKeyParameterName ?? ""],
    ["TLS_DIR", TLS_DIR],
    ["PORT", String(BOX.port)],
    ["READY_TIMEOUT_S", String(spec.readyTimeoutSeconds)],
    ["ENV_FILE", BOX.envFile],
    ["LOG", BOX.log],
    ["CONTAINER", BOX.container],
  ];
  const env = Object.entries(spec.runtimeEnv).map(([k, v]) => `${k}=${v}`);
  const sources = spec.weightsSources.map((s) => `${s.mirror} ${s.ref}`);
  return [
    "#!/bin/bash",
    "# i2v boot helper (Alibaba Cloud), rendered by infra/alicloud/user-data/boot-script.ts from the stack's config.",
    ...settings.flatMap(([name, value]) => [...literalNote([value]), `${name}=${shellQuote(value)}`]),
    ...spec.weightsSources.map(
      (s) => `# weights source: ${s.mirror} ${s.ref} (${s.note.replace(/\n/g, " ")})`,
    ),
    "WEIGHTS_SOURCES=(",
    ...sources.map((pair) => `  ${shellQuote(pair)}`),
    ")",
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
