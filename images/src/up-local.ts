import type Dockerode from "dockerode";
import { ApiClient } from "../../client/api-client.ts";
import { ClientError } from "../../client/api-error.ts";
import { runSmoke, type SmokeReport } from "../../client/smoke.ts";
import { waitReady } from "../../client/wait-ready.ts";
import { UserError } from "../../runtime/src/util/user-facing-error.ts";
import { type BakeState, bake } from "./bake.ts";
import { dockerClient } from "./docker-client.ts";
import { type RunningContainer, runContainer } from "./run-container.ts";

export interface UpLocalOptions {
  /** Recipe to bake (default debian-local: builds here with no registry). */
  recipe: string;
  mirror: string;
  model: string;
  tag: string;
  projectDir: string;
  /** Loopback port for the service (default: a free one). */
  port?: number;
  /** Extra environment for the container (e.g. I2V_TOKEN). */
  env?: Record<string, string>;
  readyTimeoutS: number;
  /** Keep the container running after the smoke test (default true: it is the deployment). */
  keep: boolean;
  log(line: string): void;
}

export interface UpLocalReport {
  url: string;
  containerId: string;
  image: string;
  /** Time to first video, stage by stage (ms). */
  stages: Array<{ name: string; ms: number }>;
  smoke: SmokeReport;
}

/** A local deployment that did not come up: what happened, the container's last log lines, a hint. */
export class UpLocalError extends UserError {
  override name = "UpLocalError";
  constructor(
    message: string,
    hint: string,
    readonly logs = "",
  ) {
    super(logs ? `${message}\n--- container logs (last lines) ---\n${logs}` : message, hint);
  }
}

/**
 * `npm run up -- --target local`: bake (or reuse: an unchanged tree rebuilds from cache in about a
 * second), run the image on the local Docker engine, wait for /readyz, run the same smoke test
 * the AWS deploy runs, and report the time to first video.
 */
export async function upLocal(docker: Dockerode, options: UpLocalOptions): Promise<UpLocalReport> {
  const stages: UpLocalReport["stages"] = [];
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    stages.push({ name, ms: performance.now() - started });
    options.log(`${name}: ${(stages.at(-1)!.ms / 1000).toFixed(1)} s`);
    return result;
  };

  const state: BakeState = await timed("bake", () =>
    bake(dockerClient(docker), {
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
  const box = await timed("container start", () =>
    runContainer(docker, options.tag, {
      env: options.env ?? {},
      ...(options.port ? { hostPort: options.port } : {}),
    }),
  );
  try {
    await timed("model load and warm-up", () => waitUntilReady(docker, box, options));
    const smoke = await timed("smoke (one real generation)", () =>
      runSmoke({
        url: box.url,
        ...(options.env?.I2V_TOKEN ? { token: options.env.I2V_TOKEN } : {}),
        log: (l) => options.log(`  ${l}`),
      }),
    );
    if (!options.keep) await box.stop();
    return { url: box.url, containerId: box.id, image: state.image?.id ?? options.tag, stages, smoke };
  } catch (error) {
    const logs = tail(await box.logs().catch(() => ""), 30);
    await box.stop();
    if (error instanceof UpLocalError)
      throw new UpLocalError(error.message.split("\n")[0] ?? "", error.hint, logs);
    throw new UpLocalError(
      (error as Error).message,
      (error as { hint?: string }).hint ?? "See the container logs below.",
      logs,
    );
  }
}

/** Polls /readyz; fails at once when the container exits, and at the deadline otherwise. */
async function waitUntilReady(
  docker: Dockerode,
  box: RunningContainer,
  options: UpLocalOptions,
): Promise<void> {
  const client = new ApiClient(box.url, options.env?.I2V_TOKEN);
  const stillRunning = async () => {
    const state = (await docker.getContainer(box.id).inspect()).State;
    if (!state.Running) {
      throw new UpLocalError(
        `The container stopped (exit code ${state.ExitCode}) before it became ready.`,
        "Check the model (I2V_MODEL) and the runtime's configuration in the logs below.",
      );
    }
  };
  try {
    await waitReady(client, options.readyTimeoutS * 1000, undefined, 500, { beforePoll: stillRunning });
  } catch (error) {
    if (!(error instanceof ClientError && error.code === "not_ready")) throw error;
    throw new UpLocalError(
      `The runtime was not ready after ${options.readyTimeoutS} s (${error.message}).`,
      "Raise --ready-timeout for a large model, or read the logs below for the cause.",
    );
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
