import { BOX } from "./spec.ts";

/**
 * `i2v-prepare.service`: fast storage, image, weights. A unit rather than a cloud-init step because
 * cloud-init runs once per instance, while instance-store NVMe comes back empty after a stop/start.
 */
export function prepareUnit(): string {
  return `[Unit]
Description=i2v: fast storage, container image and model weights
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
# Multi-GB pulls and weight downloads are the slow part of a boot; give them room.
TimeoutStartSec=45min
ExecStart=${BOX.script} prepare

[Install]
WantedBy=multi-user.target
`;
}

/** `i2v-runtime.service`: the container, restarted on failure, drained on stop (SIGTERM). */
export function runtimeUnit(): string {
  return `[Unit]
Description=i2v runtime: image-to-video API on port ${BOX.port}
Requires=docker.service i2v-prepare.service
After=docker.service i2v-prepare.service

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=0
# The runtime drains its queue on SIGTERM; docker stop waits this long before SIGKILL.
TimeoutStopSec=120
ExecStartPre=${BOX.script} token
ExecStartPre=${BOX.script} tls
ExecStartPre=-/usr/bin/docker rm --force ${BOX.container}
ExecStart=${BOX.script} run
ExecStop=/usr/bin/docker stop --time 90 ${BOX.container}
# systemctl reload i2v-runtime, after a pulumi up renewed the certificate: fetch it again, then SIGHUP.
ExecReload=${BOX.script} tls
ExecReload=/usr/bin/docker kill --signal HUP ${BOX.container}

[Install]
WantedBy=multi-user.target
`;
}
