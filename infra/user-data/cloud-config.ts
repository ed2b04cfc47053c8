import { stringify } from "yaml";
import { renderBootScript } from "./boot-script.ts";
import { BOX, type BootSpec } from "./spec.ts";
import { prepareUnit, runtimeUnit } from "./systemd-units.ts";

/**
 * The cloud-init user-data document. cloud-init only writes files and starts the units; the work
 * lives in systemd units so it runs again on every boot, and `wait-ready` makes
 * `cloud-init status` (and the console log) say whether the runtime came up.
 */
export function renderUserData(spec: BootSpec): string {
  const document = {
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
        content: runtimeUnit(),
      },
    ],
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "i2v-prepare.service", "i2v-runtime.service"],
      // --no-block: the prepare unit may take many minutes; wait-ready below is the one that waits.
      ["systemctl", "start", "--no-block", "i2v-runtime.service"],
      [BOX.script, "wait-ready"],
    ],
  };
  return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
}
