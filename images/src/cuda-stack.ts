import type { CudaRequirements } from "../../runtime/src/gpu/cuda-requirements.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";

/**
 * The GPU image's CUDA stack, derived from one record (runtime/src/gpu/cuda-requirements.ts): the
 * PyPI requirements that bring ONNX Runtime's CUDA provider and every library it links, the checks
 * that what pip resolved agrees with that record, and the labels a host reads before it starts the
 * container. Pure functions; cuda-wheels.ts runs pip and the image build.
 */

/** Lowest NVIDIA driver per CUDA major (NVIDIA's CUDA compatibility table, "minor version compatibility"). */
export const MIN_DRIVER_FOR_CUDA: Readonly<Record<number, number>> = { 11: 450, 12: 525, 13: 580 };

/** Where the image keeps the provider and CUDA libraries (one folder, registered with ldconfig). */
export const CUDA_LIB_DIR = "/opt/i2v/cuda/lib";

/** The provider libraries the CUDA execution provider needs beside onnxruntime-node's binding. */
export const PROVIDER_LIBS = ["libonnxruntime_providers_shared.so", "libonnxruntime_providers_cuda.so"];

/**
 * What pip installs: onnxruntime-gpu at exactly the onnxruntime-node version, with the `cuda` and
 * `cudnn` extras (cudart, nvrtc, cuFFT, cuRAND, cuDNN, as ONNX Runtime declares them), and cuBLAS,
 * which the provider links but the extras do not name, held to the same CUDA major.
 */
export function pipRequirements(req: CudaRequirements): string[] {
  return [`onnxruntime-gpu[cuda,cudnn]==${req.onnxruntime}`, `nvidia-cublas~=${req.cudaMajor}.0`];
}

/** The image labels for the stack; the boot scripts compare `ai.i2v.cuda.min-driver` with nvidia-smi. */
export function cudaLabels(req: CudaRequirements): Record<string, string> {
  return {
    "ai.i2v.gpu.source": "pypi",
    "ai.i2v.onnxruntime": req.onnxruntime,
    "ai.i2v.cuda.major": String(req.cudaMajor),
    "ai.i2v.cudnn.major": String(req.cudnnMajor),
    "ai.i2v.cuda.min-driver": String(req.minDriverMajor),
  };
}

/** What the installed wheels say about themselves (dist-info names and the ORT wheel's METADATA). */
export interface ResolvedStack {
  /** `name -> version` of every installed distribution (PEP 503 names). */
  versions: Record<string, string>;
  /** `Requires-Dist:` lines of the onnxruntime-gpu wheel's METADATA. */
  ortRequires: string[];
}

const major = (version: string | undefined) => (version ? Number(version.split(".")[0]) : Number.NaN);

/**
 * Every way the stack can disagree with the record, as sentences (empty: it agrees). Checked after
 * pip ran and before the image is built, so a bake never ships a provider over the wrong CUDA.
 */
export function stackProblems(
  req: CudaRequirements,
  onnxruntimeNode: string,
  stack: ResolvedStack,
): string[] {
  const problems: string[] = [];
  const v = stack.versions;
  if (onnxruntimeNode !== req.onnxruntime)
    problems.push(
      `onnxruntime-node is ${onnxruntimeNode} but CUDA_REQUIREMENTS.onnxruntime is ${req.onnxruntime} (the provider is ABI-bound to the binding)`,
    );
  if (v["onnxruntime-gpu"] !== req.onnxruntime)
    problems.push(
      `pip installed onnxruntime-gpu ${v["onnxruntime-gpu"] ?? "nothing"}, not ${req.onnxruntime}`,
    );
  // What the ORT wheel itself declares for its extras: the CUDA and cuDNN majors it was built for.
  const declared = (name: RegExp) =>
    stack.ortRequires.map((line) => name.exec(line)).find(Boolean)?.[1] ?? undefined;
  const cudart = declared(/^nvidia-cuda-runtime(?:-cu\d+)?\s*[~=>]=\s*(\d+)/);
  const cudnn = declared(/^nvidia-cudnn-cu\d+\s*[~=>]=\s*(\d+)/);
  if (major(cudart) !== req.cudaMajor)
    problems.push(
      `onnxruntime-gpu ${v["onnxruntime-gpu"]} declares CUDA ${cudart ?? "(none)"}, CUDA_REQUIREMENTS says ${req.cudaMajor}`,
    );
  if (major(cudnn) !== req.cudnnMajor)
    problems.push(
      `onnxruntime-gpu ${v["onnxruntime-gpu"]} declares cuDNN ${cudnn ?? "(none)"}, CUDA_REQUIREMENTS says ${req.cudnnMajor}`,
    );
  // What pip actually resolved.
  const got = (name: string, want: number, what: string) => {
    if (major(v[name]) !== want)
      problems.push(`pip installed ${name} ${v[name] ?? "nothing"}, not ${what} ${want}`);
  };
  got("nvidia-cuda-runtime", req.cudaMajor, "CUDA");
  got("nvidia-cublas", req.cudaMajor, "cuBLAS for CUDA");
  got(`nvidia-cudnn-cu${req.cudaMajor}`, req.cudnnMajor, "cuDNN");
  const floor = MIN_DRIVER_FOR_CUDA[req.cudaMajor];
  if (floor === undefined || req.minDriverMajor < floor)
    problems.push(
      `CUDA_REQUIREMENTS.minDriverMajor is ${req.minDriverMajor}, but CUDA ${req.cudaMajor} needs a driver >= ${floor ?? "(unknown: add it to MIN_DRIVER_FOR_CUDA)"}`,
    );
  return problems;
}

/** Throws a user error listing every disagreement (see {@link stackProblems}). */
export function assertStack(req: CudaRequirements, onnxruntimeNode: string, stack: ResolvedStack): void {
  const problems = stackProblems(req, onnxruntimeNode, stack);
  if (problems.length)
    throw userError(
      `the GPU stack disagrees with runtime/src/gpu/cuda-requirements.ts:\n  ${problems.join("\n  ")}`,
      "update CUDA_REQUIREMENTS (onnxruntime, cudaMajor, cudnnMajor, minDriverMajor) together with onnxruntime-node",
    );
}

/**
 * The bake-time check, run inside the image: every library the provider and cuDNN need resolves,
 * except the driver's libcuda.so.1, which `--gpus` brings at run time. A failure fails the bake.
 */
export function cudaCheckScript(req: CudaRequirements, providerDir: string): string {
  return `#!/bin/sh
# Generated by i2v-deploy (images/src/cuda-stack.ts): the GPU image's library check.
set -eu
dir=${CUDA_LIB_DIR}
provider=${providerDir}/libonnxruntime_providers_cuda.so
for f in "$provider" ${providerDir}/libonnxruntime_providers_shared.so; do
  [ -e "$f" ] || { echo "CUDA check: $f is missing" >&2; exit 1; }
done
# cuDNN is loaded by name at run time (not a NEEDED entry of the provider): the loader must find it.
ldconfig -p | grep -q 'libcudnn.so.${req.cudnnMajor} ' || { echo "CUDA check: ldconfig does not know libcudnn.so.${req.cudnnMajor}" >&2; exit 1; }
ldd "$provider" | grep -q "libcudart.so.${req.cudaMajor} => /" || { echo "CUDA check: the provider does not link libcudart.so.${req.cudaMajor} (CUDA ${req.cudaMajor})" >&2; ldd "$provider" >&2; exit 1; }
missing=$(for f in "$provider" "$dir"/libcudnn*.so.${req.cudnnMajor} "$dir"/libcublas*.so.* "$dir"/libcurand.so.* "$dir"/libcudart.so.*; do ldd "$f" | sed "s|^|$f: |"; done | grep 'not found' | grep -v 'libcuda\\.so\\.1 ' || true)
if [ -n "$missing" ]; then
  echo "CUDA check: libraries that do not resolve (only libcuda.so.1, the driver's, may be missing):" >&2
  echo "$missing" >&2
  exit 1
fi
echo "CUDA check: onnxruntime ${req.onnxruntime}, CUDA ${req.cudaMajor}, cuDNN ${req.cudnnMajor}: every library resolves except libcuda.so.1 (driver >= ${req.minDriverMajor} at run time)"
`;
}
