/**
 * The GPU image, built and checked on a machine without a GPU (issue 20): baked from Debian
 * packages and PyPI only (no Docker Hub, no NuGet), every library the CUDA provider needs resolves
 * inside it except the driver's libcuda.so.1, its labels carry the CUDA major the provider links
 * and the driver minimum for it, and started without a GPU it stays unready saying why in driver
 * terms, while `I2V_PROVIDER=cpu` serves. Cold, it downloads about 2 GB of wheels (pip's cache keeps
 * them); a repeat reuses the `i2v-cuda/...` image and runs no pip.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../../client/api-client.ts";
import { waitReady } from "../../../client/wait-ready.ts";
import { CUDA_REQUIREMENTS } from "../../../runtime/src/gpu/cuda-requirements.ts";
import { hasDocker } from "../../../test/support/tools.ts";
import { bake } from "../../src/bake.ts";
import { MIN_DRIVER_FOR_CUDA } from "../../src/cuda-stack.ts";
import { dockerClient } from "../../src/docker-client.ts";
import { ORT_NATIVE_DIR } from "../../src/dockerfile.ts";
import { runContainer } from "../../src/run-container.ts";
import { debianBase } from "../support/debian-base.ts";

const run = promisify(execFile);
const docker = new Dockerode();
const client = dockerClient(docker);
const tag = `i2v-test/gpu:${Date.now().toString(36)}`;
const PROVIDER = `/app/${ORT_NATIVE_DIR}/libonnxruntime_providers_cuda.so`;

/** `sh -c script` in the image as root (the check's failure case edits /opt), exit code and output. */
async function shInImage(script: string): Promise<{ code: number; output: string }> {
  try {
    const r = await run("docker", ["run", "--rm", "--user", "0", "--entrypoint", "sh", tag, "-c", script], {
      maxBuffer: 16 << 20,
    });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: (e.stdout ?? "") + (e.stderr ?? "") };
  }
}

/** Polls /readyz until it answers `unavailable` (the load failed) or the deadline passes. */
async function unavailableReason(
  url: string,
  timeoutMs: number,
): Promise<{ problem: string; hint?: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res) {
      const body = (await res.json()) as { status: string; problem?: string; hint?: string };
      last = JSON.stringify(body);
      expect(res.status, "the GPU image must not serve without a GPU").toBe(503);
      if (body.status === "unavailable") return { problem: body.problem ?? "", hint: body.hint };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`/readyz never said unavailable; last: ${last}`);
}

describe.skipIf(!hasDocker())("the GPU image on a machine without a GPU (debian-local --gpu)", () => {
  afterAll(() => client.remove(tag));

  it("bakes from PyPI, labels and checks its CUDA stack, stays unready without a GPU, serves on the CPU", async () => {
    await debianBase();
    const options = {
      recipe: "debian-local",
      projectDir: process.cwd(),
      mirror: "upstream",
      model: "demo",
      weights: "baked" as const,
      gpu: true,
      tag,
    };
    const first = await bake(client, options);
    const labels = first.image?.labels ?? {};

    // The CUDA major the provider links, read from the provider itself, against the labels.
    const linked = await shInImage(`ldd ${PROVIDER}`);
    const major = Number(/libcudart\.so\.(\d+) => \//.exec(linked.output)?.[1]);
    expect(major).toBe(CUDA_REQUIREMENTS.cudaMajor);
    expect(labels["ai.i2v.cuda.major"]).toBe(String(major));
    expect(Number(labels["ai.i2v.cuda.min-driver"])).toBeGreaterThanOrEqual(
      MIN_DRIVER_FOR_CUDA[major] as number,
    );
    expect(labels["ai.i2v.onnxruntime"]).toBe(CUDA_REQUIREMENTS.onnxruntime);

    // Every library resolves except libcuda.so.1, cuDNN included.
    const notFound = linked.output.split("\n").filter((l) => l.includes("not found"));
    expect(notFound.map((l) => l.trim().split(" ")[0])).toEqual(["libcuda.so.1"]);
    const cudnn = await shInImage(
      `ldconfig -p | grep 'libcudnn.so.${CUDA_REQUIREMENTS.cudnnMajor} '; for f in /opt/i2v/cuda/lib/libcudnn*.so.*; do ldd "$f"; done | grep 'not found' | sort -u`,
    );
    expect(cudnn.output).toMatch(/libcudnn\.so\.9 .*=> \/opt\/i2v\/cuda\/lib\/libcudnn\.so\.9/);
    expect(
      cudnn.output
        .split("\n")
        .filter((l) => l.includes("not found"))
        .map((l) => l.trim().split(" ")[0]),
    ).toEqual(["libcuda.so.1"]);

    // The bake-time check fails when a library is missing (here: cuBLASLt taken out).
    const broken = await shInImage(
      "rm /opt/i2v/cuda/lib/libcublasLt.so.* && ldconfig && sh /opt/i2v/cuda/check-cuda-libs.sh",
    );
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/libcublasLt\.so\.\d+ => not found/);

    // No GPU: unready, saying why in driver terms (not a missing CUDA library), with the fix.
    const box = await runContainer(docker, tag);
    try {
      const { problem, hint } = await unavailableReason(box.url, 300_000);
      expect(problem).toMatch(/no NVIDIA driver is visible \(libcuda\.so\.1/);
      expect(problem).toContain(`CUDA ${CUDA_REQUIREMENTS.cudaMajor}`);
      expect(problem).not.toMatch(/libcublas|libcudnn|libcudart|libcurand/);
      // The loader's own words, naming the driver's library (ORT's message alone does not).
      expect(problem).toMatch(/the dynamic loader said: libcuda\.so\.1: cannot open shared object file/);
      expect(hint).toMatch(/--gpus all.*I2V_PROVIDER=cpu/);
      expect(await box.logs()).toMatch(/model failed to load: .*no NVIDIA driver/);
      // It stays up (unready) rather than exiting: a restart would not bring a GPU.
      expect((await fetch(`${box.url}/livez`)).status).toBe(200);
    } finally {
      await box.stop();
    }

    // The same image on the CPU, when asked.
    const cpu = await runContainer(docker, tag, { env: { I2V_PROVIDER: "cpu" } });
    try {
      await waitReady(new ApiClient(cpu.url), 300_000);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n--- container logs ---\n${(await cpu.logs()).slice(-3000)}`,
      );
    } finally {
      await cpu.stop();
    }

    // A repeat bake reuses the CUDA image (no pip) and every layer up to the code.
    const again = await bake(client, { ...options, skipRuntimeBuild: true });
    expect(again.timings["GPU providers and CUDA libraries"]).toBeLessThan(10);
    expect(again.image?.id).toBe(first.image?.id); // every layer from cache: the same image
    console.log(
      `GPU image ${((first.image?.size ?? 0) / 1e9).toFixed(2)} GB; first bake ${Object.values(first.timings)
        .reduce((a, b) => a + b, 0)
        .toFixed(0)} s, repeat ${Object.values(again.timings)
        .reduce((a, b) => a + b, 0)
        .toFixed(0)} s`,
    );
  }, 2_400_000);
});
