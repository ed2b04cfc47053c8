/**
 * Mirrors: the catalog, probing and selection, config rendering and failover.
 * The image bake imports from here; see docs/mirrors.md.
 */
export { type CatalogResult, DEFAULT_CATALOG_PATH, loadCatalog, parseCatalog } from "./catalog/load.ts";
export { type CatalogRow, catalogRows, findProvider, parseEcosystems, probeUrl } from "./catalog/query.ts";
export {
  type Catalog,
  type CatalogEntry,
  ECOSYSTEMS,
  type Ecosystem,
  type Provider,
} from "./catalog/schema.ts";
export { MirrorUserError } from "./errors.ts";
export {
  ChecksumMismatchError,
  HttpStatusError,
  isMirrorFault,
  MirrorsExhaustedError,
} from "./failover/errors.ts";
export {
  type FailoverAttempt,
  type FailoverOptions,
  type FailoverResult,
  fetchOk,
  verifySha256,
  withMirrorFailover,
} from "./failover/failover.ts";
export { DEFAULT_CACHE_FILE, DEFAULT_CACHE_TTL_MS, ProbeCache } from "./probe/cache.ts";
export {
  DEFAULT_PROBE,
  type ProbeOptions,
  type ProbeResult,
  type ProbeTarget,
  probeTargets,
} from "./probe/probe.ts";
export { catalogTargets, type ProbeCatalogOptions, probeCatalog } from "./probe/probe-catalog.ts";
export { autoChoice, failoverOrder, nothingAnswered, rankResults, selectMirror } from "./probe/rank.ts";
export { type Selection, type SelectOptions, selectMirrors } from "./probe/select.ts";
export { USER_AGENT } from "./probe/user-agent.ts";
export { type RenderOptions, type RenderReport, renderMirrorConfig } from "./render/render.ts";
export { catalogTable, probeTable } from "./report.ts";
export { type DetectOptions, detectUpstream, type Upstream } from "./upstream/detect.ts";
export { type Distro, readDistro } from "./upstream/host.ts";
