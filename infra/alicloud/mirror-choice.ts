import { readFileSync } from "node:fs";
import { DEFAULT_CATALOG_PATH, parseCatalog } from "../../mirrors/src/catalog/load.ts";

/** The provider the box uses on ECS (internal network), and the ones a bake for Alibaba prefers. */
export const BOOT_PROVIDER = "aliyun-internal";
export const BAKE_PROVIDERS = ["aliyun", "tuna"] as const;

/** The apt archive the box's sources point at, read from mirrors/catalog.yaml. */
export interface BootMirror {
  provider: string;
  ubuntu: string;
  debian: string;
  debianSecurity: string | undefined;
}

/** The in-region mirror for the boot, from the catalog (one home for mirror URLs). */
export function bootMirror(): BootMirror {
  const result = parseCatalog(readFileSync(DEFAULT_CATALOG_PATH, "utf8"), DEFAULT_CATALOG_PATH);
  if (!result.ok) throw new Error(`mirrors/catalog.yaml: ${result.problems.join("; ")}`);
  const offers = result.catalog.providers[BOOT_PROVIDER]?.offers;
  if (!offers?.ubuntu || !offers.debian)
    throw new Error(`mirrors/catalog.yaml: provider ${BOOT_PROVIDER} must offer ubuntu and debian`);
  return {
    provider: BOOT_PROVIDER,
    ubuntu: offers.ubuntu.url,
    debian: offers.debian.url,
    debianSecurity: offers.debian.security,
  };
}

/** The bake command for an Alibaba target: public mirrors in China, chosen by the probe. */
export function bakeAdvice(): string {
  return `npm run bake-image -- --mirror ${BAKE_PROVIDERS[0]}   (or --mirror ${BAKE_PROVIDERS[1]}; --mirror auto probes and ranks them)`;
}
