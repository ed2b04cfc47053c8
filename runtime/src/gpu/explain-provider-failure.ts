import type { CudaRequirements } from "./cuda-requirements.ts";
import type { GpuFacts } from "./gpu-facts.ts";

/** Why a GPU provider did not start, in GPU and driver terms, and what to do about it. */
export interface ProviderFailure {
  /** `no_driver`, `old_driver`, `no_device`, or `provider_load` (the provider itself failed). */
  cause: "no_driver" | "old_driver" | "no_device" | "provider_load";
  message: string;
  hint: string;
}

const TRY_CPU =
  "or set I2V_PROVIDER=cpu to try it on the CPU (I2V_PROVIDER_FALLBACK=cpu falls back to the CPU by itself)";

/**
 * Explains a CUDA/TensorRT provider that failed to create a session. The machine's facts come
 * first (no driver, a driver too old for the CUDA major, no device): those are what a user fixes,
 * and a missing libcuda.so.1 is the driver's absence, not the image's. ONNX Runtime's whole
 * message is always kept, so a library the image lacks is named.
 */
export function explainProviderFailure(
  provider: string,
  ortMessage: string,
  facts: GpuFacts,
  req: CudaRequirements,
): ProviderFailure {
  const stack = `onnxruntime ${req.onnxruntime}, CUDA ${req.cudaMajor}, cuDNN ${req.cudnnMajor}, NVIDIA driver >= ${req.minDriverMajor}`;
  const ort = `ONNX Runtime said: ${ortMessage.trim()}`;
  const head = `The ${provider} execution provider is unavailable`;
  const driverMajor = facts.driverVersion ? Number(facts.driverVersion.split(".")[0]) : undefined;
  if (!facts.driverLibrary && driverMajor === undefined)
    return {
      cause: "no_driver",
      message: `${head}: no NVIDIA driver is visible (libcuda.so.1, the driver's library, is not found; it needs ${stack}). ${ort}`,
      hint: `Run the container with --gpus all on a host with the NVIDIA driver >= ${req.minDriverMajor} and the NVIDIA Container Toolkit, ${TRY_CPU}.`,
    };
  if (driverMajor !== undefined && driverMajor < req.minDriverMajor)
    return {
      cause: "old_driver",
      message: `${head}: NVIDIA driver ${facts.driverVersion} is too old for CUDA ${req.cudaMajor} (it needs >= ${req.minDriverMajor}; ${stack}). ${ort}`,
      hint: `Upgrade the host's NVIDIA driver to ${req.minDriverMajor} or newer (the image's ai.i2v.cuda.min-driver label), ${TRY_CPU}.`,
    };
  if (facts.devices.length === 0)
    return {
      cause: "no_device",
      message: `${head}: the NVIDIA driver ${facts.driverVersion ?? "(version unknown)"} is there but no GPU device is visible (no /dev/nvidia0; ${stack}). ${ort}`,
      hint: `Run the container with --gpus all (or NVIDIA_VISIBLE_DEVICES naming a GPU), check nvidia-smi on the host, ${TRY_CPU}.`,
    };
  return {
    cause: "provider_load",
    message: `${head}: its libraries failed to load (NVIDIA driver ${facts.driverVersion ?? "(version unknown)"} and ${facts.devices.length} GPU(s) visible; ${stack}). ${ort}`,
    hint: `Install what ONNX Runtime names above (the GPU image bakes it: npm run bake-image -- --gpu), ${TRY_CPU}.`,
  };
}
