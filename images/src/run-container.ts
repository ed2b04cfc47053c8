import { Writable } from "node:stream";
import type Dockerode from "dockerode";

/** A started container with its published port; `stop` removes it. */
export interface RunningContainer {
  id: string;
  url: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Port inside the container; published on a free loopback port. */
  port?: number;
  /** host path -> container path. */
  binds?: Record<string, string>;
  /** Loopback port to publish on; default a free one. */
  hostPort?: number;
  /** Container name (a local deployment is easier to find by name). */
  name?: string;
  /** A user-defined Docker network to join (containers find each other by name there). */
  network?: string;
  /** Command arguments (the image's CMD otherwise). */
  cmd?: string[];
}

/** Starts `image` detached with its port on 127.0.0.1:<random>. */
export async function runContainer(
  docker: Dockerode,
  image: string,
  options: RunOptions = {},
): Promise<RunningContainer> {
  const port = `${options.port ?? 7860}/tcp`;
  const container = await docker.createContainer({
    ...(options.name ? { name: options.name } : {}),
    Image: image,
    Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: { [port]: {} },
    HostConfig: {
      PortBindings: {
        [port]: [{ HostIp: "127.0.0.1", HostPort: options.hostPort ? String(options.hostPort) : "" }],
      },
      Binds: Object.entries(options.binds ?? {}).map(([h, c]) => `${h}:${c}`),
      ...(options.network ? { NetworkMode: options.network } : {}),
    },
    ...(options.cmd ? { Cmd: options.cmd } : {}),
  });
  await container.start();
  const info = await container.inspect();
  const hostPort = info.NetworkSettings.Ports[port]?.[0]?.HostPort;
  return {
    id: container.id,
    url: `http://127.0.0.1:${hostPort}`,
    async logs() {
      const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      return buf.toString("utf8");
    },
    async stop() {
      await container.remove({ force: true }).catch(() => {});
    },
  };
}

/** Runs `cmd` in a throwaway container of `image`; resolves to its exit code and combined output. */
export async function execInImage(
  docker: Dockerode,
  image: string,
  cmd: string[],
): Promise<{ code: number; output: string }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const [result] = (await docker.run(image, cmd, sink, { Tty: true, HostConfig: { AutoRemove: true } })) as [
    { StatusCode: number },
  ];
  return { code: result.StatusCode, output: Buffer.concat(chunks).toString("utf8") };
}
