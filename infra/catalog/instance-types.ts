/**
 * GPU instance types this toolkit knows how to place, with the facts the decisions need.
 *
 * Figures are transcribed from AWS's accelerated-computing instance tables (public documentation);
 * they were not re-checked from this machine, which has no AWS access. A type missing here can still
 * be deployed: it passes the GPU-family check, and storage falls back to a gp3 volume.
 */
export interface InstanceTypeSpec {
  /** vCPUs; what the "Running On-Demand G and VT instances" quota counts. */
  vcpus: number;
  /** Number of GPUs. */
  gpus: number;
  /** GPU model, for humans. */
  gpuModel: string;
  /** Memory per GPU in GiB; picks the preset tier. */
  gpuMemoryGiB: number;
  /** Total local NVMe instance store in GB (decimal, as AWS lists it); 0 when the type has none. */
  instanceStoreGB: number;
  /** Number of instance-store NVMe devices (striped together with mdadm when more than one). */
  instanceStoreDevices: number;
}

/** The known types, by EC2 name. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeSpec>> = {
  "g4dn.xlarge": spec(4, 1, "T4", 16, 125, 1),
  "g4dn.2xlarge": spec(8, 1, "T4", 16, 225, 1),
  "g4dn.4xlarge": spec(16, 1, "T4", 16, 225, 1),
  "g4dn.12xlarge": spec(48, 4, "T4", 16, 900, 1),
  "g5.xlarge": spec(4, 1, "A10G", 24, 250, 1),
  "g5.2xlarge": spec(8, 1, "A10G", 24, 450, 1),
  "g5.4xlarge": spec(16, 1, "A10G", 24, 600, 1),
  "g5.12xlarge": spec(48, 4, "A10G", 24, 3800, 1),
  "g6.xlarge": spec(4, 1, "L4", 24, 250, 1),
  "g6.2xlarge": spec(8, 1, "L4", 24, 450, 1),
  "g6.4xlarge": spec(16, 1, "L4", 24, 600, 1),
  "g6.12xlarge": spec(48, 4, "L4", 24, 3760, 4),
  "g6e.xlarge": spec(4, 1, "L40S", 48, 250, 1),
  "g6e.2xlarge": spec(8, 1, "L40S", 48, 450, 1),
  "g6e.4xlarge": spec(16, 1, "L40S", 48, 600, 1),
  "p3.2xlarge": spec(8, 1, "V100", 16, 0, 0),
  "p4d.24xlarge": spec(96, 8, "A100", 40, 8000, 8),
  "p5.48xlarge": spec(192, 8, "H100", 80, 30400, 8),
};

/** The spec of `instanceType`, or undefined when the catalog does not list it. */
export function instanceTypeSpec(instanceType: string): InstanceTypeSpec | undefined {
  return Object.hasOwn(INSTANCE_TYPES, instanceType) ? INSTANCE_TYPES[instanceType] : undefined;
}

function spec(
  vcpus: number,
  gpus: number,
  gpuModel: string,
  gpuMemoryGiB: number,
  instanceStoreGB: number,
  instanceStoreDevices: number,
): InstanceTypeSpec {
  return { vcpus, gpus, gpuModel, gpuMemoryGiB, instanceStoreGB, instanceStoreDevices };
}
