#!/usr/bin/env bash
# The CUDA provider's figures, on a machine with an NVIDIA GPU, in a few minutes:
#   bash bench/gpu.sh            (from a clone of this repository; Node >= 20.19)
# Checks the GPU and the CUDA 12 / cuDNN 9 libraries, puts onnxruntime-node's CUDA provider
# libraries in place if missing (as the image bake does), runs bench/gpu-bench.ts and writes
# bench/gpu-results.json. NUGET_FEEDS="URL ..." tries those NuGet v3 indexes first (a mirror);
# GPU_BENCH_ROUNDS (default 9) sets the rounds per figure. To check the benchmark itself without a
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

# The CUDA provider links against CUDA 12 and cuDNN 9 (the production image's base has both).
missing=()
for lib in libcudart.so.12 libcublasLt.so.12 libcudnn.so.9; do
  if ! ldconfig -p | grep -q "$lib" && ! compgen -G "${LD_LIBRARY_PATH:-/nonexistent}/$lib*" >/dev/null; then
    missing+=("$lib")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "gpu.sh: warning: not found by ldconfig or in LD_LIBRARY_PATH: ${missing[*]}" >&2
  echo "gpu.sh: install CUDA 12 and cuDNN 9, or run inside the baked production image" >&2
fi

bin=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ ! -f "$bin/libonnxruntime_providers_cuda.so" ]; then
  echo "gpu.sh: fetching the CUDA provider libraries for onnxruntime-node"
  npx tsx bench/gpu-providers.ts
fi

echo "gpu.sh: running bench/gpu-bench.ts"
timeout 900 npx tsx bench/gpu-bench.ts
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader
