/**
 * Which EC2 instance types count as GPU boxes. The runtime needs an NVIDIA GPU with CUDA; these
 * families carry one. Inferentia/Trainium (inf*, trn*) and AMD (g4ad) are left out on purpose:
 * the image ships CUDA execution providers only.
 */
export const GPU_FAMILIES = [
  "g4dn",
  "g5",
  "g6",
  "g6e",
  "gr6",
  "p3",
  "p3dn",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
] as const;

/** A GPU family name such as `g6e`. */
export type GpuFamily = (typeof GPU_FAMILIES)[number];

/** The family part of an instance type (`g6e.xlarge` -> `g6e`), or undefined when malformed. */
export function instanceFamily(instanceType: string): string | undefined {
  const match = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/.exec(instanceType);
  return match?.[1];
}

/** True when `instanceType` belongs to an NVIDIA GPU family this toolkit supports. */
export function isGpuInstanceType(instanceType: string): boolean {
  const family = instanceFamily(instanceType);
  return family !== undefined && (GPU_FAMILIES as readonly string[]).includes(family);
}
