import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { renderBootScript } from "./boot-script.ts";
import { BOX, type BootSpec } from "./spec.ts";
import { lifecycleUnit, prepareUnit, runtimeUnit } from "./systemd-units.ts";

/**
 * The cloud-init user-data document. cloud-init only writes files and starts the units; the work
 * lives in systemd units so it runs again on every boot, and `wait-ready` makes
 * `cloud-init status` (and the console log) say whether the runtime came up.
 */
export function renderUserData(spec: BootSpec): string {
  const worker = spec.role === "worker";
  // The API box runs Amazon Linux 2023 (no GPU AMI): Docker comes from its package repository.
  const docker = spec.role === "api" ? [["systemctl", "enable", "--now", "docker.service"]] : [];
  const document = {
    ...(spec.role === "api" ? { packages: ["docker"] } : {}),
    write_files: [
      { path: BOX.script, owner: "root:root", permissions: "0755", content: renderBootScript(spec) },
      {
        path: "/etc/systemd/system/i2v-prepare.service",
        owner: "root:root",
        permissions: "0644",
        content: prepareUnit(),
      },
      {
        path: "/etc/systemd/system/i2v-runtime.service",
        owner: "root:root",
        permissions: "0644",
        content: runtimeUnit(spec.drainTimeoutSeconds),
      },
      ...(worker
        ? [
            {
              path: "/etc/systemd/system/i2v-lifecycle.service",
              owner: "root:root",
              permissions: "0644",
              content: lifecycleUnit(),
            },
          ]
        : []),
    ],
    runcmd: worker
      ? [
          // A worker's runtime is started by its lifecycle unit (not in the warm pool, only in service).
          ["systemctl", "daemon-reload"],
          ["systemctl", "enable", "i2v-prepare.service", "i2v-lifecycle.service"],
          ["systemctl", "start", "--no-block", "i2v-lifecycle.service"],
        ]
      : [
          ...docker,
          ["systemctl", "daemon-reload"],
          ["systemctl", "enable", "i2v-prepare.service", "i2v-runtime.service"],
          // --no-block: the prepare unit may take many minutes; wait-ready below is the one that waits.
          ["systemctl", "start", "--no-block", "i2v-runtime.service"],
          [BOX.script, "wait-ready"],
        ],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/** EC2 takes at most 16 KB of raw user data. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Gzip, then base64 (a launch template's form): cloud-init unpacks gzip itself, and it fits the limit. */
export function packUserData(document: string): string {
  return gzipSync(document, { level: 9 }).toString("base64");
}
