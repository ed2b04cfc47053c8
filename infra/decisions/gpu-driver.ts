import { CUDA_REQUIREMENTS } from "../../runtime/src/gpu/cuda-requirements.ts";

/**
 * The host's NVIDIA driver must be at least what the GPU image's CUDA build needs. One number, read
 * from the runtime's record (runtime/src/gpu/cuda-requirements.ts): the boot helpers check it
 * against `nvidia-smi` (the image's `ai.i2v.cuda.min-driver` label wins when present), the
 * Alibaba driver install picks its branch from it, and `deploy-plan` prints it.
 */
export const MIN_DRIVER_MAJOR = CUDA_REQUIREMENTS.minDriverMajor;

/** The CUDA major that sets the minimum, for messages. */
export const CUDA_MAJOR = CUDA_REQUIREMENTS.cudaMajor;

/** One line for plans and docs: which driver the box needs and why. */
export function driverRequirement(): string {
  return `NVIDIA driver >= ${MIN_DRIVER_MAJOR} (the image's ONNX Runtime ${CUDA_REQUIREMENTS.onnxruntime} CUDA provider links CUDA ${CUDA_MAJOR})`;
}
