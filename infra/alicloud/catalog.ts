/**
 * Alibaba Cloud ECS GPU types this toolkit places: the gn6i (T4), gn7i (A10) and gn7e (A100 80 GB)
 * families. Figures are transcribed from Alibaba Cloud's "GPU-accelerated compute-optimized
 * instance families" page as the authors remember it; none was checked from this machine (no
 * Alibaba access). None of these types has local NVMe, so the weights always go to an ESSD.
 */
export interface AlicloudTypeSpec {
  vcpus: number;
  memoryGiB: number;
  gpus: number;
  gpuModel: string;
  gpuMemoryGiB: number;
}

/** The families accepted as GPU boxes (NVIDIA, CUDA execution provider). */
export const ALICLOUD_GPU_FAMILIES = ["gn6i", "gn7i", "gn7e"] as const;

/** Known types by ECS name. A type of an accepted family missing here still deploys. */
export const ALICLOUD_TYPES: Readonly<Record<string, AlicloudTypeSpec>> = {
  "ecs.gn6i-c4g1.xlarge": spec(4, 15, 1, "T4", 16),
  "ecs.gn6i-c8g1.2xlarge": spec(8, 31, 1, "T4", 16),
  "ecs.gn6i-c16g1.4xlarge": spec(16, 62, 1, "T4", 16),
  "ecs.gn7i-c8g1.2xlarge": spec(8, 30, 1, "A10", 24),
  "ecs.gn7i-c16g1.4xlarge": spec(16, 60, 1, "A10", 24),
  "ecs.gn7i-c32g1.8xlarge": spec(32, 188, 1, "A10", 24),
  "ecs.gn7e-c16g1.4xlarge": spec(16, 125, 1, "A100", 80),
};

/** `ecs.gn7i-c8g1.2xlarge` -> `gn7i`; undefined when the name is not of ECS's form. */
export function alicloudFamily(instanceType: string): string | undefined {
  return /^ecs\.([a-z0-9]+)-[a-z0-9]+\.[a-z0-9]+$/.exec(instanceType)?.[1];
}

/** True for a type of one of {@link ALICLOUD_GPU_FAMILIES}. */
export function isAlicloudGpuType(instanceType: string): boolean {
  const family = alicloudFamily(instanceType);
  return family !== undefined && (ALICLOUD_GPU_FAMILIES as readonly string[]).includes(family);
}

/** The spec of `instanceType`, or undefined when the catalog does not list it. */
export function alicloudTypeSpec(instanceType: string): AlicloudTypeSpec | undefined {
  return Object.hasOwn(ALICLOUD_TYPES, instanceType) ? ALICLOUD_TYPES[instanceType] : undefined;
}

function spec(
  vcpus: number,
  memoryGiB: number,
  gpus: number,
  gpuModel: string,
  gpuMemoryGiB: number,
): AlicloudTypeSpec {
  return { vcpus, memoryGiB, gpus, gpuModel, gpuMemoryGiB };
}
