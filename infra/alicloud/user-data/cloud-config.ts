import { stringify } from "yaml";
import { BOX } from "../../user-data/spec.ts";
import { prepareUnit, runtimeUnit } from "../../user-data/systemd-units.ts";
import { renderAlicloudBootScript } from "./boot-script.ts";
import { type AlicloudBootSpec, TLS_DIR } from "./spec.ts";

/**
 * The Alibaba box's cloud-init document: the same systemd units as on AWS (the helper has the same
 * subcommands), the public TLS certificates, and apt pointed at the in-region internal mirror.
 */
export function renderAlicloudUserData(spec: AlicloudBootSpec): string {
  const tlsFiles = spec.tls
    ? [
        { path: `${TLS_DIR}/server.crt`, owner: "root:root", permissions: "0644", content: spec.tls.certPem },
        { path: `${TLS_DIR}/ca.crt`, owner: "root:root", permissions: "0644", content: spec.tls.caPem },
      ]
    : [];
  const document = {
    ...(spec.aptMirror
      ? {
          // Applies on Debian-family images only; the box installs nothing at boot, but anything an
          // operator installs later stays in-region.
          apt: { primary: [{ arches: ["default"], uri: spec.aptMirror.ubuntu }] },
        }
      : {}),
    write_files: [
      {
        path: BOX.script,
        owner: "root:root",
        permissions: "0755",
        content: renderAlicloudBootScript(spec),
      },
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
        content: runtimeUnit(),
      },
      ...tlsFiles,
    ],
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "i2v-prepare.service", "i2v-runtime.service"],
      ["systemctl", "start", "--no-block", "i2v-runtime.service"],
      [BOX.script, "wait-ready"],
    ],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}
