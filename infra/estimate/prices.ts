import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The price table in infra/prices.yaml. */
export interface PriceTable {
  /** Date the prices were transcribed. */
  asOf: string;
  /** Where they come from. */
  source: string;
  /** Region they apply to. */
  region: string;
  /** Whether anyone checked them from this project's machines (false: no AWS access here). */
  verifiedHere: boolean;
  /** Spot price as a fraction of on-demand: a guess, not a list price. */
  spotFactorGuess: number;
  /** On-demand USD per hour by instance type. */
  onDemandPerHour: Record<string, number>;
  /** gp3 prices. */
  ebs: { gp3PerGiBMonth: number; gp3PerMiBpsMonth: number; gp3PerIopsMonth: number; hoursPerMonth: number };
}

const DEFAULT_FILE = new URL("../prices.yaml", import.meta.url);

/** Reads and checks the price table; throws with the path of the first bad field (it is our own file). */
export function loadPriceTable(file: URL | string = DEFAULT_FILE): PriceTable {
  const data = parse(readFileSync(file, "utf8")) as Partial<PriceTable>;
  const problems: string[] = [];
  for (const key of ["asOf", "source", "region"] as const) {
    if (typeof data[key] !== "string") problems.push(`${key}: missing`);
  }
  if (typeof data.spotFactorGuess !== "number") problems.push("spotFactorGuess: missing");
  for (const [type, price] of Object.entries(data.onDemandPerHour ?? {})) {
    if (typeof price !== "number" || price <= 0)
      problems.push(`onDemandPerHour.${type}: not a positive number`);
  }
  if (!data.ebs || typeof data.ebs.gp3PerGiBMonth !== "number") problems.push("ebs: missing gp3 prices");
  if (problems.length > 0) throw new Error(`infra/prices.yaml: ${problems.join("; ")}`);
  return data as PriceTable;
}
