import { access, readdir } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import { type BuildEntry, BuildLog } from "./build-log.ts";

/** What the baker needs from Docker; the dockerode client is passed in, so tests use a real engine. */
export interface DockerClient {
  /** Builds `contextDir` (Dockerfile at its root) and resolves to the image id; throws on any error entry. */
  build(contextDir: string, options: BuildOptions): Promise<BuildOutcome>;
  /** Image facts, or undefined when the reference does not exist. */
  inspect(ref: string): Promise<ImageFacts | undefined>;
  /** `docker save` of one image as a tar stream. */
  save(ref: string): Promise<Readable>;
  /** `docker load` of a tar stream; throws on any error entry. */
  load(tar: Readable): Promise<void>;
  /** Removes an image (and the tags given), ignoring "no such image". */
  remove(ref: string): Promise<void>;
  /** Adds a tag to an existing image. */
  tag(ref: string, target: string): Promise<void>;
  /** Where the engine keeps images, when it runs on this machine (a local socket); else undefined. */
  dataRoot(): Promise<string | undefined>;
}

export interface BuildOptions {
  tag: string;
  /** Ignore the layer cache (a cold build, for benchmarks). */
  noCache?: boolean;
  signal?: AbortSignal;
  /** Each progress entry, for live progress output. */
  onEntry?: (entry: BuildEntry) => void;
}

export interface BuildOutcome {
  imageId: string;
  log: BuildLog;
}

export interface ImageFacts {
  id: string;
  tags: string[];
  size: number;
  /** Filesystem layer digests (RootFS.Layers), base first. */
  layers: string[];
  labels: Record<string, string>;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

function follow(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onEntry: (e: BuildEntry) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve()), onEntry);
  });
}

/** The dockerode-backed {@link DockerClient}. */
export function dockerClient(docker: Dockerode): DockerClient {
  return {
    async build(contextDir, options) {
      const log = new BuildLog();
      try {
        const stream = await docker.buildImage(
          { context: contextDir, src: await listFiles(contextDir) },
          // version "1" is the classic builder: BuildKit over the API needs a session this engine may lack.
          {
            t: options.tag,
            rm: true,
            forcerm: true,
            nocache: options.noCache,
            version: "1",
            abortSignal: options.signal,
          },
        );
        await follow(docker, stream, (entry) => {
          log.push(entry);
          options.onEntry?.(entry);
        });
        options.signal?.throwIfAborted();
      } catch (error) {
        if (!options.signal?.aborted) throw error;
        const step = log.current();
        throw userError(
          `image build stopped at ${step ? `step ${step.index}/${step.total} (${step.instruction.slice(0, 120)})` : "the start"}: ${String(options.signal.reason ?? "aborted")}`,
          "a step hung or ran past the deadline: check the mirror it uses, or raise --timeout",
          "BUILD_TIMEOUT",
        );
      }
      return { imageId: log.finish(), log };
    },
    async inspect(ref) {
      try {
        const info = await docker.getImage(ref).inspect();
        return {
          id: info.Id,
          tags: info.RepoTags ?? [],
          size: info.Size,
          layers: info.RootFS?.Layers ?? [],
          labels: info.Config?.Labels ?? {},
        };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    async save(ref) {
      return (await docker.getImage(ref).get()) as unknown as Readable;
    },
    async load(tar) {
      const stream = await docker.loadImage(tar);
      const log = new BuildLog();
      await follow(docker, stream, (entry) => log.push(entry));
      const failure = log.error();
      if (failure) throw new Error(`docker load failed: ${failure.dockerMessage}`);
    },
    async remove(ref) {
      try {
        await docker.getImage(ref).remove({ force: true });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    },
    async tag(ref, target) {
      const at = target.lastIndexOf(":");
      const slash = target.lastIndexOf("/");
      const [repo, tag] = at > slash ? [target.slice(0, at), target.slice(at + 1)] : [target, "latest"];
      await docker.getImage(ref).tag({ repo, tag });
    },
    async dataRoot() {
      // Over TCP (DOCKER_HOST) or inside Docker Desktop's VM the path names another machine's folder.
      const modem = docker.modem as { host?: string; socketPath?: unknown };
      if (modem.host || !modem.socketPath) return undefined;
      const root = ((await docker.info()) as { DockerRootDir?: string }).DockerRootDir;
      return root &&
        (await access(root).then(
          () => true,
          () => false,
        ))
        ? root
        : undefined;
    },
  };
}
