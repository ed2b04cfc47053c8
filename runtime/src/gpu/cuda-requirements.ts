/**
 * The CUDA stack that the GPU image's ONNX Runtime CUDA provider links, decided in one place.
 *
 * onnxruntime-node's CUDA provider is built against one CUDA major; the image's CUDA and cuDNN
 * libraries, its `ai.i2v.cuda.*` labels, the boot scripts' driver check and `deploy-plan` all read
 * this record so that they cannot disagree. ORT 1.27+ ships CUDA 13 builds only; CUDA 13 needs an
 * NVIDIA driver >= 580 (NVIDIA's CUDA compatibility table).
 */
export interface CudaRequirements {
  /** The onnxruntime-node (and onnxruntime-gpu) version the provider comes from. */
  onnxruntime: string;
  /** CUDA major version the provider links (libcudart.so.<major>). */
  cudaMajor: number;
  /** cuDNN major version the provider links (libcudnn.so.<major>). */
  cudnnMajor: number;
  /** Lowest NVIDIA driver (major) that runs this CUDA major. */
  minDriverMajor: number;
}

export const CUDA_REQUIREMENTS: CudaRequirements = {
  onnxruntime: "1.30.0",
  cudaMajor: 13,
  cudnnMajor: 9,
  minDriverMajor: 580,
};
