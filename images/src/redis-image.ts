import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEBIAN_BASE_IMAGE } from "./debian-base.ts";
import type { DockerClient } from "./docker-client.ts";

export const REDIS_IMAGE = "i2v-redis:local";

/**
 * The queue's Redis for a local scale-out, from the same Debian base and Debian's redis-server
 * package (no registry is pulled from). Configured as docs/scale-out.md asks: append-only file,
 * no eviction.
 */
export function redisDockerfile(base = DEBIAN_BASE_IMAGE): string {
  return [
    `FROM ${base}`,
    "ENV DEBIAN_FRONTEND=noninteractive",
    "RUN set -eux; apt-get update; apt-get install -y --no-install-recommends redis-server; \\",
    "    apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; mkdir -p /data; chown redis /data",
    "USER redis",
    "EXPOSE 6379",
    'CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data", "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction"]',
    "",
  ].join("\n");
}

/** Builds (or reuses from the layer cache) the Redis image; resolves to its tag. */
export async function buildRedisImage(client: DockerClient, tag = REDIS_IMAGE): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-redis-image-"));
  try {
    await writeFile(path.join(dir, "Dockerfile"), redisDockerfile());
    await client.build(dir, { tag });
    return tag;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
