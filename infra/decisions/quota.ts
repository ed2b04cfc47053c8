import { instanceFamily } from "./gpu-family.ts";

/**
 * The Service Quotas entry a launch of `instanceType` counts against. New accounts often have 0
 * vCPUs here, and on-demand and spot are separate quotas: the most common first failure.
 */
export function quotaName(instanceType: string, market: "on-demand" | "spot"): string {
  const pFamily = instanceFamily(instanceType)?.startsWith("p") ?? false;
  if (market === "spot")
    return pFamily ? "All P Spot Instance Requests" : "All G and VT Spot Instance Requests";
  return pFamily ? "Running On-Demand P instances" : "Running On-Demand G and VT instances";
}
