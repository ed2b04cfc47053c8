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
export function runtimeUnit(drainSeconds = 90): string {
  return `[Unit]
Description=i2v runtime: image-to-video API on port ${BOX.port}
Requires=docker.service i2v-prepare.service
After=docker.service i2v-prepare.service

[Service]
Restart=always
RestartSec=5
TimeoutStartSec=0
# The runtime drains its queue on SIGTERM; docker stop waits this long before SIGKILL.
TimeoutStopSec=${drainSeconds + 30}
ExecStartPre=${BOX.script} token
ExecStartPre=${BOX.script} tls
ExecStartPre=-/usr/bin/docker rm --force ${BOX.container}
ExecStart=${BOX.script} run
ExecStop=/usr/bin/docker stop --time ${drainSeconds} ${BOX.container}
# systemctl reload i2v-runtime, after a pulumi up renewed the certificate: fetch it again, then SIGHUP.
ExecReload=${BOX.script} tls
ExecReload=/usr/bin/docker kill --signal HUP ${BOX.container}

[Install]
WantedBy=multi-user.target
`;
}

/**
 * `i2v-lifecycle.service` (scale-out workers): follows the instance's Auto Scaling lifecycle state
 * from IMDS. Prepared for the warm pool, it completes the launch hook and leaves the runtime off; in
 * service, it starts the runtime; on scale-in, it stops it (SIGTERM: drain) and completes the
 * terminate hook, so a busy worker finishes its job before the instance goes.
 */
export function lifecycleUnit(): string {
  return `[Unit]
Description=i2v worker: follow the Auto Scaling lifecycle (start, warm pool, drain on scale-in)
After=network-online.target docker.service
Wants=network-online.target

[Service]
Restart=on-failure
RestartSec=5
ExecStart=${BOX.script} lifecycle

[Install]
WantedBy=multi-user.target
`;
}
