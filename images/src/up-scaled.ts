import { chmod, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { ApiClient } from "../../client/api-client.ts";
import { runSmoke } from "../../client/smoke.ts";
import { waitReady } from "../../client/wait-ready.ts";
import { bake } from "./bake.ts";
import { dockerClient } from "./docker-client.ts";
import { buildRedisImage } from "./redis-image.ts";
import { type RunningContainer, runContainer } from "./run-container.ts";
import { UpLocalError, type UpLocalOptions, type UpLocalReport } from "./up-local.ts";

export interface UpScaledReport extends UpLocalReport {
  /** Every container of the deployment: redis, api, worker-1..N. */
  containers: Record<string, string>;
}

/**
 * `npm run up -- --target local --workers N`: the scale-out shape on the local Docker engine. A
 * Redis from Debian's package, one API container (no model) and N worker containers on one
 * Docker network, sharing a folder as storage; then the smoke test through the API.
 */
export async function upScaled(
  docker: Dockerode,
  options: UpLocalOptions & { workers: number },
): Promise<UpScaledReport> {
  const stages: UpLocalReport["stages"] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stages.push({ name, ms: performance.now() - started });
    options.log(`${name}: ${(stages.at(-1)!.ms / 1000).toFixed(1)} s`);
    return result;
  };
  const client = dockerClient(docker);
  const state = await timed("bake", () =>
    bake(client, {
      recipe: options.recipe,
      projectDir: options.projectDir,
      mirror: options.mirror,
      model: options.model,
      weights: "baked",
      gpu: false,
      tag: options.tag,
      log: (line) => options.log(`  ${line}`),
    }),
  );
  const redisImage = await timed("redis image", () => buildRedisImage(client));

  const suffix = Date.now().toString(36);
  const network = `i2v-scaled-${suffix}`;
  await docker.createNetwork({ Name: network });
  const shared = await mkdtemp(path.join(os.tmpdir(), "i2v-scaled-storage-"));
  await chmod(shared, 0o777); // the runtime runs as its own user inside the containers
  const boxes: Record<string, RunningContainer> = {};
  const common = {
    I2V_QUEUE_URL: `redis://i2v-redis-${suffix}:6379`,
    I2V_STORAGE: "file:///shared",
    ...(options.env ?? {}),
  };
  const stopAll = async () => {
    for (const box of Object.values(boxes)) await box.stop();
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  };
  try {
    await timed("containers start", async () => {
      boxes.redis = await runContainer(docker, redisImage, {
        name: `i2v-redis-${suffix}`,
        network,
        port: 6379,
      });
      // The API retries nothing at start: Redis must answer first.
      await new Promise((r) => setTimeout(r, 1000));
      boxes.api = await runContainer(docker, options.tag, {
        name: `i2v-api-${suffix}`,
        network,
        env: { ...common, I2V_ROLE: "api" },
        binds: { [shared]: "/shared" },
        ...(options.port ? { hostPort: options.port } : {}),
      });
      for (let i = 1; i <= options.workers; i++) {
        boxes[`worker-${i}`] = await runContainer(docker, options.tag, {
          name: `i2v-worker-${i}-${suffix}`,
          network,
          env: { ...common, I2V_ROLE: "worker", I2V_WORKER_ID: `worker-${i}` },
          binds: { [shared]: "/shared" },
        });
      }
    });
    await timed("workers ready (model load)", async () => {
      const token = options.env?.I2V_TOKEN;
      for (const [name, box] of Object.entries(boxes)) {
        if (name === "redis") continue;
        await waitReady(new ApiClient(box.url, token), options.readyTimeoutS * 1000).catch(async (error) => {
          throw new UpLocalError(
            `${name} did not become ready: ${(error as Error).message}`,
            "Read its logs below; the API needs Redis, workers need Redis and the model.",
            (await box.logs()).split("\n").slice(-30).join("\n"),
          );
        });
      }
    });
    const api = boxes.api as RunningContainer;
    const smoke = await timed("smoke via the API (1 video)", () =>
      runSmoke({
        url: api.url,
        ...(options.env?.I2V_TOKEN ? { token: options.env.I2V_TOKEN } : {}),
        log: (l) => options.log(`  ${l}`),
      }),
    );
    const containers = Object.fromEntries(Object.entries(boxes).map(([k, b]) => [k, b.id]));
    if (!options.keep) await stopAll();
    return {
      url: api.url,
      containerId: api.id,
      image: state.image?.id ?? options.tag,
      stages,
      smoke,
      containers,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
