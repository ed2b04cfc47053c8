import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { type BakeOptions, bake } from "../../images/src/bake.ts";
import { cudaStackKey, fetchCudaLibs } from "../../images/src/cuda-wheels.ts";
import { ensureDebianBase } from "../../images/src/debian-base.ts";
import { dockerClient } from "../../images/src/docker-client.ts";
import { ortVersionFromLock } from "../../images/src/nuget.ts";
import { CUDA_REQUIREMENTS } from "../../runtime/src/gpu/cuda-requirements.ts";
import { type BenchSuite, figure } from "../types.ts";

// The GPU image (debian-local --gpu: CUDA provider and libraries from PyPI) on this GPU-less
// machine: its size, a cold bake (no layer cache, no i2v-cuda image; wheels already downloaded,
// as on a build host that baked once), a repeat bake, and the wheel download itself.
const HOW =
  "npm run bench -- --only=gpu-image (debian-local --gpu --mirror upstream, the built runtime, classic builder; the runtime's tsc build is not timed)";

const total = (t: Record<string, number>) => Object.values(t).reduce((a, b) => a + b, 0);

export const suite: BenchSuite = {
  name: "gpu-image",
  async run({ quick, log }) {
    const docker = new Dockerode();
    const client = dockerClient(docker);
    await ensureDebianBase({ log });
    const tag = `i2v-bench/gpu:${process.pid}-${Date.now().toString(36)}`;
    const cudaTag = `i2v-cuda/ort-${CUDA_REQUIREMENTS.onnxruntime}-cu${CUDA_REQUIREMENTS.cudaMajor}:${cudaStackKey(CUDA_REQUIREMENTS)}`;
    const options: BakeOptions = {
      recipe: "debian-local",
      projectDir: process.cwd(),
      mirror: "upstream",
      model: "demo",
      weights: "baked",
      gpu: true,
      tag,
      skipRuntimeBuild: true,
      cacheDir: path.resolve(".cache/images"),
      log,
    };
    const figures = [];
    try {
      await bake(client, options); // base, toolchain and layers a build host already has
      // The wheel folder a build host that baked once has (a scratch cacheDir: only the wheels stay).
      const onnxruntimeNode = await ortVersionFromLock("package-lock.json");
      const warmup = await mkdtemp(path.join(os.tmpdir(), "i2v-bench-cuda-"));
      await fetchCudaLibs({
        requirements: CUDA_REQUIREMENTS,
        onnxruntimeNode,
        indexes: [undefined],
        cacheDir: warmup,
        log,
      });
      await rm(warmup, { recursive: true, force: true });
      await client.remove(cudaTag);
      const cold = await bake(client, { ...options, noCache: true });
      const coldS = total(cold.timings);
      const cudaS = cold.timings["GPU providers and CUDA libraries"] ?? 0;
      log(
        `cold GPU bake ${coldS.toFixed(0)} s (CUDA stage ${cudaS.toFixed(0)} s), ${((cold.image?.size ?? 0) / 1e9).toFixed(2)} GB`,
      );
      const warm = await bake(client, options);
      const warmS = total(warm.timings);
      log(`repeat GPU bake ${warmS.toFixed(1)} s, ${warm.cachedSteps}/${warm.totalSteps} steps cached`);
      figures.push(
        figure({
          name: "gpu-image: image size",
          value: (cold.image?.size ?? 0) / 1e6,
          unit: "MB",
          target: null,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "gpu-image: cold bake (wheels downloaded)",
          value: coldS,
          unit: "s",
          target: null,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "gpu-image: cold bake, CUDA stage (pip install + i2v-cuda image)",
          value: cudaS,
          unit: "s",
          target: null,
          better: "lower",
          how: HOW,
        }),
        figure({
          name: "gpu-image: repeat bake",
          value: warmS,
          unit: "s",
          target: 15,
          better: "lower",
          how: HOW,
        }),
      );
      if (!quick) {
        // The ~2 GB download from the index alone, into an empty wheel folder.
        const scratch = await mkdtemp(path.join(os.tmpdir(), "i2v-bench-wheels-"));
        try {
          const started = performance.now();
          await fetchCudaLibs({
            requirements: CUDA_REQUIREMENTS,
            onnxruntimeNode,
            indexes: [undefined],
            cacheDir: scratch,
            wheelsDir: path.join(scratch, "wheels"),
            log,
          });
          const s = (performance.now() - started) / 1000;
          log(`wheel download + install from the index ${s.toFixed(0)} s`);
          figures.push(
            figure({
              name: "gpu-image: CUDA wheels from the index, no cache (pip download + install)",
              value: s,
              unit: "s",
              target: null,
              better: "lower",
              how: `${HOW}; PyPI through pip's configured index`,
            }),
          );
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      }
      return figures;
    } finally {
      await client.remove(tag);
    }
  },
};
