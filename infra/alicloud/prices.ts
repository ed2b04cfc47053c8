import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

const positive = z.number().positive();

/** infra/alicloud/prices.yaml, checked. */
export const alicloudPriceSchema = z.strictObject({
  asOf: z.string().min(1),
  source: z.string().min(1),
  region: z.string().min(1),
  currency: z.literal("CNY"),
  verifiedHere: z.boolean(),
  spotFactorGuess: positive.max(1),
  payAsYouGoPerHour: z.record(z.string(), positive),
  essdPerGiBMonth: z.strictObject({ PL0: positive, PL1: positive, PL2: positive, PL3: positive }),
  eipPerHour: positive,
  eipEgressPerGB: positive,
  hoursPerMonth: positive,
});

export type AlicloudPriceTable = z.infer<typeof alicloudPriceSchema>;

const DEFAULT_FILE = new URL("./prices.yaml", import.meta.url);

/** Reads and checks the table; throws with every bad field (it is our own file). */
export function loadAlicloudPrices(file: URL | string = DEFAULT_FILE): AlicloudPriceTable {
  const checked = alicloudPriceSchema.safeParse(parse(readFileSync(file, "utf8")));
  if (!checked.success)
    throw new Error(
      `infra/alicloud/prices.yaml: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return checked.data;
}
