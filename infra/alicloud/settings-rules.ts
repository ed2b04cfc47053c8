/** Cloud-dependent defaults, applied to the raw config before the schema reads it. */
export function withCloudDefaults(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || (raw as { cloud?: unknown }).cloud !== "alicloud") return raw;
  const unset = (v: unknown) => v === undefined || v === null || v === "";
  const r = raw as Record<string, unknown>;
  return {
    ...r,
    instanceType: unset(r.instanceType) ? "ecs.gn7i-c8g1.2xlarge" : r.instanceType,
    // 200 MiB/s reads 12 GB of weights in about a minute, on a PL1 ESSD (see essd.ts).
    modelVolumeThroughputMiBps: unset(r.modelVolumeThroughputMiBps) ? 200 : r.modelVolumeThroughputMiBps,
  };
}
