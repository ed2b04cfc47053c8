import type { StoragePlan } from "../decisions/storage.ts";
import type { PriceTable } from "./prices.ts";

/** An hourly cost estimate, split so the printout can show where the money goes. */
export interface HourlyCost {
  /** Instance USD/h, or undefined when the table has no price for the type. */
  instance: number | undefined;
  /** True when `instance` is a spot guess rather than a list price. */
  spotGuess: boolean;
  /** Root plus model volume USD/h. */
  storage: number;
  /** Sum, or undefined when the instance price is unknown. */
  total: number | undefined;
}

/** What is billed while the box exists. */
export interface CostInput {
  instanceType: string;
  market: "on-demand" | "spot";
  rootVolumeGiB: number;
  rootThroughputMiBps: number;
  storage: StoragePlan;
}

/** Estimated USD per hour for one box, from the price table. */
export function estimateHourlyCost(input: CostInput, prices: PriceTable): HourlyCost {
  const listPrice = prices.onDemandPerHour[input.instanceType];
  const spotGuess = input.market === "spot";
  const instance =
    listPrice === undefined ? undefined : spotGuess ? listPrice * prices.spotFactorGuess : listPrice;
  let storage = gp3PerHour(input.rootVolumeGiB, input.rootThroughputMiBps, 3000, prices);
  if (input.storage.kind === "ebs") {
    storage += gp3PerHour(input.storage.sizeGiB, input.storage.throughputMiBps, input.storage.iops, prices);
  }
  return { instance, spotGuess, storage, total: instance === undefined ? undefined : instance + storage };
}

function gp3PerHour(sizeGiB: number, throughputMiBps: number, iops: number, prices: PriceTable): number {
  const { gp3PerGiBMonth, gp3PerMiBpsMonth, gp3PerIopsMonth, hoursPerMonth } = prices.ebs;
  // gp3 includes 125 MiB/s and 3000 IOPS; only what is provisioned above that is billed.
  const monthly =
    sizeGiB * gp3PerGiBMonth +
    Math.max(0, throughputMiBps - 125) * gp3PerMiBpsMonth +
    Math.max(0, iops - 3000) * gp3PerIopsMonth;
  return monthly / hoursPerMonth;
}
