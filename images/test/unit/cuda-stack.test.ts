/**
 * One CUDA major, decided once: the installed onnxruntime-node, CUDA_REQUIREMENTS, the PyPI
 * requirements, the resolved wheels and the image's labels and environment must agree.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CUDA_REQUIREMENTS } from "../../../runtime/src/gpu/cuda-requirements.ts";
import {
  cudaCheckScript,
  cudaLabels,
  MIN_DRIVER_FOR_CUDA,
  pipRequirements,
  type ResolvedStack,
  stackProblems,
} from "../../src/cuda-stack.ts";
import { ORT_NATIVE_DIR, renderDockerfile } from "../../src/dockerfile.ts";
import { ortVersionFromLock } from "../../src/nuget.ts";
import { loadRecipe } from "../../src/recipe.ts";

const req = CUDA_REQUIREMENTS;
const root = path.resolve(import.meta.dirname, "../../..");

/** What pip resolved for onnxruntime-gpu 1.30.0 (dist-info names and the wheel's Requires-Dist). */
const resolved: ResolvedStack = {
  versions: {
    "onnxruntime-gpu": "1.30.0",
    "nvidia-cuda-runtime": "13.5.37",
    "nvidia-cublas": "13.10.0.20",
    "nvidia-cudnn-cu13": "9.28.1.4",
    "nvidia-curand": "10.4.5.25",
  },
  ortRequires: [
    'nvidia-cuda-nvrtc~=13.0; extra == "cuda"',
    'nvidia-cuda-runtime~=13.0; extra == "cuda"',
    'nvidia-cufft~=12.0; extra == "cuda"',
    'nvidia-curand~=10.0; extra == "cuda"',
    'nvidia-cudnn-cu13~=9.0; extra == "cudnn"',
  ],
};

describe("CUDA_REQUIREMENTS", () => {
  it("names the onnxruntime-node that is installed and locked (the provider is ABI-bound to it)", async () => {
    const pkg = createRequire(import.meta.url).resolve("onnxruntime-node/package.json");
    const installed = JSON.parse(await readFile(pkg, "utf8")).version as string;
    expect(installed).toBe(req.onnxruntime);
    expect(await ortVersionFromLock(path.join(root, "package-lock.json"))).toBe(req.onnxruntime);
  });

  it("asks for a driver at or above NVIDIA's minimum for its CUDA major", () => {
    expect(MIN_DRIVER_FOR_CUDA[req.cudaMajor]).toBeDefined();
    expect(req.minDriverMajor).toBeGreaterThanOrEqual(MIN_DRIVER_FOR_CUDA[req.cudaMajor] as number);
    expect(MIN_DRIVER_FOR_CUDA[13]).toBe(580);
    expect(MIN_DRIVER_FOR_CUDA[12]).toBe(525);
  });

  it("derives the pip requirements and the labels", () => {
    expect(pipRequirements(req)).toEqual([
      `onnxruntime-gpu[cuda,cudnn]==${req.onnxruntime}`,
      `nvidia-cublas~=${req.cudaMajor}.0`,
    ]);
    expect(cudaLabels(req)).toMatchObject({
      "ai.i2v.cuda.min-driver": String(req.minDriverMajor),
      "ai.i2v.cuda.major": String(req.cudaMajor),
      "ai.i2v.cudnn.major": String(req.cudnnMajor),
    });
  });
});

describe("stackProblems", () => {
  it("accepts the stack pip resolves for the record", () => {
    expect(
      stackProblems({ ...req, onnxruntime: "1.30.0", cudaMajor: 13, cudnnMajor: 9 }, "1.30.0", resolved),
    ).toEqual([]);
  });

  it("names each disagreement: binding version, ORT's declared CUDA/cuDNN, resolved wheels, driver floor", () => {
    const base = { onnxruntime: "1.30.0", cudaMajor: 13, cudnnMajor: 9, minDriverMajor: 580 };
    expect(stackProblems(base, "1.29.1", resolved).join("\n")).toMatch(/onnxruntime-node is 1.29.1/);
    expect(stackProblems({ ...base, cudaMajor: 12 }, "1.30.0", resolved).join("\n")).toMatch(
      /declares CUDA 13, CUDA_REQUIREMENTS says 12/,
    );
    expect(stackProblems({ ...base, cudnnMajor: 8 }, "1.30.0", resolved).join("\n")).toMatch(
      /declares cuDNN 9/,
    );
    const oldCublas = { ...resolved, versions: { ...resolved.versions, "nvidia-cublas": "12.9.1.4" } };
    expect(stackProblems(base, "1.30.0", oldCublas).join("\n")).toMatch(
      /nvidia-cublas 12.9.1.4, not cuBLAS for CUDA 13/,
    );
    expect(stackProblems({ ...base, minDriverMajor: 570 }, "1.30.0", resolved).join("\n")).toMatch(
      /minDriverMajor is 570, but CUDA 13 needs a driver >= 580/,
    );
  });
});

describe("the GPU image's Dockerfile and check", async () => {
  const recipe = await loadRecipe("debian-local");
  const text = renderDockerfile({
    recipe,
    baseRef: recipe.base,
    toolchainImage: "i2v-toolchain/node:22",
    aptSources: false,
    gpu: false,
    extraCa: false,
    cuda: { image: "i2v-cuda/ort-1.30.0-cu13:abc", requirements: req },
    modelPath: "demo",
    labels: cudaLabels(req),
  });

  it("copies the CUDA libraries in their own layer before the app, links the providers, checks before the code", () => {
    const at = (needle: string) => {
      const i = text.indexOf(needle);
      expect(i, needle).toBeGreaterThanOrEqual(0);
      return i;
    };
    const libs = at("COPY --from=i2v-cuda/ort-1.30.0-cu13:abc /opt/i2v/cuda/lib/ /opt/i2v/cuda/lib/");
    const modules = at("COPY --from=deps /build/node_modules /app/node_modules");
    const check = at("RUN sh /opt/i2v/cuda/check-cuda-libs.sh");
    const app = at("COPY app/ /app/");
    expect(libs).toBeLessThan(modules);
    expect(modules).toBeLessThan(check);
    expect(check).toBeLessThan(app);
    at(
      `ln -s /opt/i2v/cuda/lib/libonnxruntime_providers_cuda.so /build/${ORT_NATIVE_DIR}/libonnxruntime_providers_cuda.so`,
    );
    expect(text).toMatch(/I2V_PROVIDER="cuda"/);
    expect(text).toMatch(/NVIDIA_REQUIRE_CUDA="cuda>=13.0"/);
    expect(text).toContain(`"ai.i2v.cuda.min-driver"="${req.minDriverMajor}"`);
  });

  it("the check allows only libcuda.so.1 to be missing, and wants cuDNN and the CUDA major", () => {
    const script = cudaCheckScript(req, `/app/${ORT_NATIVE_DIR}`);
    expect(script).toContain(`libcudnn.so.${req.cudnnMajor} `);
    expect(script).toContain(`libcudart.so.${req.cudaMajor} => /`);
    expect(script).toMatch(/grep -v 'libcuda\\\.so\\\.1 '/);
  });
});
