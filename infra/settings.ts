import type { z } from "zod";
import { planIngress } from "./decisions/ingress.ts";
import { formatPath, stackConfigSchema } from "./settings-schema.ts";
import { SETTINGS_SHAPE } from "./settings-shape.ts";

/** The fields as the schema reads them (infra/settings-shape.ts; each key's doc lives there). */
type ConfigFields = z.output<z.ZodObject<typeof SETTINGS_SHAPE>>;

/** The provider keys `region` is read from; settings carry the one `region`. */
type RegionAliases = "region" | "aws:region" | "alicloud:region";

/**
 * The stack's settings, after defaults: every `i2v:*` key of `Pulumi.<stack>.yaml` (docs/infra.md
 * has the table), derived from the one schema, plus what is computed from them once.
 */
export type StackSettings = Omit<ConfigFields, RegionAliases> & {
  /** Region: `aws:region`, or `alicloud:region` when the cloud is alicloud. Required. */
  region: string;
  /** `readyTimeoutMinutes` in seconds (what the boot helpers wait). */
  readyTimeoutSeconds: number;
};

/** Raw values by key, as strings (from `pulumi.Config`) or typed (from a parsed stack YAML). */
export type RawConfig = Record<string, unknown>;

/** Result of {@link normalizeSettings}: settings, or every problem as `key: message`. */
export type SettingsResult =
  | { ok: true; settings: StackSettings; warnings: string[] }
  | { ok: false; errors: string[] };

/** The keys the program reads from the `i2v` namespace: the schema's, less the region's provider keys. */
export const SETTING_KEYS = Object.keys(SETTINGS_SHAPE).filter(
  (key): key is Exclude<keyof ConfigFields, RegionAliases> =>
    key !== "region" && key !== "aws:region" && key !== "alicloud:region",
);

/**
 * Parse, default and validate (infra/settings-schema.ts). `raw` holds `i2v` keys without prefix
 * plus `region` (from `aws:region`). Never throws on user input: every problem comes back in
 * `errors` as `path: message`, the way the runtime reports its manifest and config problems.
 */
export function normalizeSettings(raw: RawConfig): SettingsResult {
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`) };
  const { region, "aws:region": awsRegion, "alicloud:region": alicloudRegion, ...config } = parsed.data;
  const fields = Object.fromEntries(SETTING_KEYS.map((key) => [key, config[key]])) as Omit<
    ConfigFields,
    RegionAliases
  >;
  const settings: StackSettings = {
    ...fields,
    // The region rule (infra/settings-rules.ts) has made sure one of them is set.
    region: (region ?? (config.cloud === "alicloud" ? alicloudRegion : awsRegion)) as string,
    readyTimeoutSeconds: fields.readyTimeoutMinutes * 60,
  };
  const warnings = planIngress(settings.allowedCidrs, settings.allowPublic);
  return {
    ok: true,
    settings,
    warnings: [
      ...(warnings.ok ? warnings.warnings : []),
      ...(settings.market === "spot"
        ? [
            settings.cloud === "alicloud"
              ? "market spot: Alibaba can release the box (SpotAsPriceGo) at short notice"
              : "market spot: the box can be reclaimed with two minutes' notice",
          ]
        : []),
    ],
  };
}
