import { z } from "zod";

/** Every ecosystem the catalog knows. `debian` and `ubuntu` are the two apt flavours. */
export const ECOSYSTEMS = [
  "debian",
  "ubuntu",
  "pypi",
  "pytorch",
  "conda",
  "npm",
  "node",
  "nuget",
  "docker",
  "huggingface",
  "modelscope",
] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** Names with a meaning of their own on the command line; no provider may take them. */
export const RESERVED_NAMES = ["auto", "upstream", "none"] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const source = z.string().trim().min(1, "say where this fact comes from");
const statuses = z.array(z.number().int().min(100).max(599)).min(1);

/** One provider's service for one ecosystem. */
export const entrySchema = z.strictObject({
  /** Base URL: archive root, index, registry, endpoint, depending on the ecosystem. */
  url: httpUrl,
  /** apt: the mirror's security archive, used only with --mirror-security. */
  security: httpUrl.optional(),
  /** ubuntu: the ports tree for architectures other than amd64/i386. */
  ports: httpUrl.optional(),
  /** Overrides the ecosystem's probe path (relative to `url`). */
  probe: z.string().optional(),
  acceptStatus: statuses.optional(),
  /** conda: `full` mirrors Anaconda's repos too; `cloud-only` carries community channels only. */
  channels: z.enum(["full", "cloud-only"]).optional(),
  /** docker: the registry this mirrors (the key buildkitd.toml needs). */
  mirrorOf: z.string().min(1).optional(),
  /** docker: other registries served under host-replacement names. */
  hosts: z.record(z.string().min(1), z.string().min(1)).optional(),
  source,
  caveat: z.string().optional(),
});

const dockerEntrySchema = entrySchema.extend({
  mirrorOf: z.string().min(1, "say which registry this mirrors"),
});

// Offers spelled out per ecosystem so a docker entry must name the registry it mirrors.
const offersSchema = z.strictObject(
  Object.fromEntries(
    ECOSYSTEMS.map((eco) => [eco, (eco === "docker" ? dockerEntrySchema : entrySchema).optional()]),
  ),
) as unknown as z.ZodType<Partial<Record<Ecosystem, z.infer<typeof entrySchema>>>>;

export const providerSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(["campus", "commercial", "dedicated", "community"]),
  site: httpUrl,
  source,
  offers: offersSchema,
});

const ecosystemSchema = z.strictObject({
  /** Default probe object, relative to each entry's url ("" probes the url itself). */
  probe: z.string(),
  acceptStatus: statuses.optional(),
  source,
});

/**
 * The whole catalog. Provider names are checked by `providerNameProblems` rather than as record
 * keys, because zod skips a value whose key is invalid and the user should see both problems.
 */
export const catalogSchema = z.strictObject({
  version: z.literal(1),
  ecosystems: z.record(z.enum(ECOSYSTEMS), ecosystemSchema),
  providers: z.record(z.string(), providerSchema),
});

/** Problems with provider names, as `providers.NAME: message`. */
export function providerNameProblems(raw: unknown): string[] {
  const providers = (raw as { providers?: unknown } | null)?.providers;
  if (!providers || typeof providers !== "object") return [];
  const problems: string[] = [];
  for (const name of Object.keys(providers)) {
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      problems.push(`providers.${name}: '${name}' is reserved for the command line`);
    } else if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      problems.push(`providers.${name}: provider names are lower-case words joined by '-'`);
    }
  }
  return problems;
}

export type Catalog = z.infer<typeof catalogSchema>;
export type CatalogEntry = z.infer<typeof entrySchema>;
export type Provider = z.infer<typeof providerSchema>;
