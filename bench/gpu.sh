#!/usr/bin/env bash
# The CUDA provider's figures, on a machine with an NVIDIA GPU, in a few minutes:
#   bash bench/gpu.sh            (from a clone of this repository; Node >= 20.19)
# Checks the GPU and its driver against the CUDA major ONNX Runtime's provider links
# (runtime/src/gpu/cuda-requirements.ts), puts the provider and its CUDA/cuDNN libraries in place
# from PyPI as the GPU image bake does (bench/gpu-providers.ts; PIP_INDEX_URL for a mirror), runs
# bench/gpu-bench.ts and writes bench/gpu-results.json. GPU_BENCH_ROUNDS (default 9) sets the rounds per figure. To check the benchmark itself without a
# GPU: GPU_BENCH_DRY=1 npx tsx bench/gpu-bench.ts (CPU, small settings, meaningless figures).
# docs/performance.md says how to read the results.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "gpu.sh: $*" >&2; exit 1; }

command -v nvidia-smi >/dev/null || die "nvidia-smi not found: this script needs an NVIDIA GPU and its driver"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader ||
  die "nvidia-smi cannot talk to the driver"

command -v node >/dev/null || die "node not found (Node >= 20.19 is needed)"
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "Node $(node --version) is too old; >= 20.19 is needed"
[ -d node_modules/onnxruntime-node ] || npm ci --ignore-scripts

# One CUDA major end to end: the driver must support the one the provider links.
need=$(npx tsx -e 'import("./runtime/src/gpu/cuda-requirements.ts").then(m => console.log(m.CUDA_REQUIREMENTS.minDriverMajor, m.CUDA_REQUIREMENTS.cudaMajor))')
read -r min_driver cuda_major <<<"$need"
driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1)
[ "${driver%%.*}" -ge "$min_driver" ] ||
  die "NVIDIA driver $driver is older than $min_driver, which CUDA $cuda_major (ONNX Runtime's CUDA provider) needs"

echo "gpu.sh: placing ONNX Runtime's CUDA provider and its CUDA $cuda_major libraries (PyPI, cached)"
libdir=$(npx tsx bench/gpu-providers.ts | tail -1)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

echo "gpu.sh: running bench/gpu-bench.ts"
timeout 900 npx tsx bench/gpu-bench.ts
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader
