import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { BOX } from "../../user-data/spec.ts";
import { prepareUnit, runtimeUnit } from "../../user-data/systemd-units.ts";
import { renderAlicloudBootScript } from "./boot-script.ts";
import type { AlicloudBootSpec } from "./spec.ts";

/**
 * The Alibaba box's cloud-init document: the same systemd units as on AWS (the helper has the same
 * subcommands), the public TLS certificates under the same names as on AWS, and apt pointed at the
 * in-region internal mirror. On a public image, `host-setup` installs the GPU stack before the
 * units start (they need Docker); on a custom image it only checks it is there.
 */
export function renderAlicloudUserData(spec: AlicloudBootSpec): string {
  const tlsFiles = spec.tls
    ? [
        {
          path: `${BOX.tlsDir}/cert.pem`,
          owner: "root:root",
          permissions: "0644",
          content: spec.tls.certPem,
        },
        { path: `${BOX.tlsDir}/ca.pem`, owner: "root:root", permissions: "0644", content: spec.tls.caPem },
      ]
    : [];
  const document = {
    ...(spec.aptMirror
      ? {
          // The host setup installs the driver, Docker and the toolkit from here (public image);
          // anything an operator installs later stays in-region too.
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
      // First boot only (runcmd runs once per instance); what it installs stays on the system disk.
      [BOX.script, "host-setup"],
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "i2v-prepare.service", "i2v-runtime.service"],
      ["systemctl", "start", "--no-block", "i2v-runtime.service"],
      [BOX.script, "wait-ready"],
    ],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}

/**
 * What ECS receives: the document gzipped, then base64. cloud-init unpacks gzip user data itself,
 * and the helper with the host setup is near ECS's 16 KB limit on raw user data.
 */
export function packAlicloudUserData(document: string): string {
  return gzipSync(document, { level: 9 }).toString("base64");
}
