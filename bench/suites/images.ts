import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import Dockerode from "dockerode";
import { ApiClient } from "../../client/api-client.ts";
import { waitReady } from "../../client/wait-ready.ts";
import { type BakeOptions, bake } from "../../images/src/bake.ts";
import { changeCode, stageBenchApp } from "../../images/src/bench-app.ts";
import { DEBIAN_BASE_IMAGE, ensureDebianBase } from "../../images/src/debian-base.ts";
import { dockerClient } from "../../images/src/docker-client.ts";
import { runContainer } from "../../images/src/run-container.ts";
import { type BenchSuite, figure } from "../types.ts";

// Cold bake, code-only rebuild and image size, on the debian-local recipe (the production recipe's
// CUDA base cannot be pulled here). Same base, same Node, same app for the naive comparison.
const HOW =
  "npm run bench -- --only=images (debian-local recipe, the built runtime with its real dependencies, classic builder; the runtime's own tsc build is not timed)";

/** A single-stage Dockerfile as one would write it first: no pruning, no cleanup, npm in the image. */
function naiveDockerfile(toolchain: string): string {
  return [
    `FROM ${DEBIAN_BASE_IMAGE}`,
    "RUN apt-get update && apt-get install -y ca-certificates",
    `COPY --from=${toolchain} /node/bin/node /usr/local/bin/node`,
    `COPY --from=${toolchain} /npm/ /opt/npm/`,
    "COPY certs/ /certs/",
    "ENV NODE_EXTRA_CA_CERTS=/certs/extra-ca.pem",
    "WORKDIR /app",
    "COPY app/ /app/",
    "RUN node /opt/npm/bin/npm-cli.js ci --omit=dev --ignore-scripts",
    'CMD ["node", "runtime/dist/server/main.js"]',
    "",
  ].join("\n");
}

export const suite: BenchSuite = {
  name: "images",
  async run({ log }) {
    const docker = new Dockerode();
    const client = dockerClient(docker);
    await ensureDebianBase({ log });
    const { dir, realRuntime } = await stageBenchApp(process.cwd());
    log(
      realRuntime
        ? "app: the built runtime"
        : "app: runtime dependencies with a stand-in entry (runtime/dist not built)",
    );
    // Tags of this run only: two bench runs on one engine must not retag or remove each other's images.
    const run = `${process.pid}-${Date.now().toString(36)}`;
    const tag = `i2v-bench/runtime:${run}`;
    const naiveTag = `i2v-bench/naive:${run}`;
    const options: BakeOptions = {
      recipe: "debian-local",
      projectDir: dir,
      mirror: "upstream",
      model: "demo",
      weights: "baked",
      gpu: false,
      tag,
      skipRuntimeBuild: true,
      cacheDir: path.resolve(".cache/images"),
    };
    try {
      await bake(client, options); // toolchain image and downloads, which a cold bake on a box reuses
      const cold = await bake(client, { ...options, noCache: true });
      const coldS = Object.values(cold.timings).reduce((a, b) => a + b, 0);
      log(`cold bake ${coldS.toFixed(1)} s, ${((cold.image?.size ?? 0) / 1e6).toFixed(0)} MB`);

      const box = await runContainer(docker, tag);
      try {
        log(`container ready: ${(await waitReady(new ApiClient(box.url), 300_000)).slice(0, 120)}`);
      } finally {
        await box.stop();
      }

      await changeCode(dir);
      const warm = await bake(client, options);
      const warmS = Object.values(warm.timings).reduce((a, b) => a + b, 0);
      log(`code-only rebuild ${warmS.toFixed(1)} s, ${warm.cachedSteps}/${warm.totalSteps} steps cached`);

      // The naive image: same base, Node, lockfile and app, one stage.
      const ctx = path.join(dir, ".naive");
      await mkdir(path.join(ctx, "certs"), { recursive: true });
      const ca = process.env.NODE_EXTRA_CA_CERTS;
      await writeFile(path.join(ctx, "certs", "extra-ca.pem"), ca ? await readFile(ca) : "");
      for (const f of ["package.json", "package-lock.json", "runtime"])
        await cp(path.join(dir, f), path.join(ctx, "app", f), { recursive: true });
      await writeFile(path.join(ctx, "Dockerfile"), naiveDockerfile(cold.toolchainImage as string));
      const naive = await client.build(ctx, { tag: naiveTag });
      const naiveSize = (await client.inspect(naive.imageId))?.size ?? 0;
      const size = warm.image?.size ?? 0;
      log(`image ${(size / 1e6).toFixed(0)} MB vs naive single-stage ${(naiveSize / 1e6).toFixed(0)} MB`);

      return [
        figure({
          name: "images: cold bake",
          value: coldS,
          unit: "s",
          target: null,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "images: rebuild after code-only change",
          value: warmS,
          unit: "s",
          target: 15,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "images: code-only rebuild / cold bake",
          value: (100 * warmS) / coldS,
          unit: "%",
          target: 5,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "images: image size",
          value: size / 1e6,
          unit: "MB",
          target: null,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "images: image size / naive single-stage",
          value: size / naiveSize,
          unit: "x",
          target: 0.5,
          better: "lower",
          how: HOW,
        }),
      ];
    } finally {
      await client.remove(naiveTag);
      await client.remove(tag);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
