/**
 * The weights disk's ESSD performance level, from the throughput the weights need. Alibaba's
 * per-disk throughput grows with size up to a cap per level (ESSD documentation, "ESSDs"):
 *   PL0: min(100 + 0.25 x GiB, 180) MB/s, from 1 GiB
 *   PL1: min(120 + 0.5 x GiB, 350) MB/s, from 20 GiB
 *   PL2: min(120 + 0.5 x GiB, 750) MB/s, from 461 GiB
 *   PL3: min(120 + 0.5 x GiB, 4000) MB/s, from 1261 GiB
 * Higher levels cost more per GiB, so the lowest level that reaches the need wins; when the
 * configured size is too small for any level to reach it, the disk grows to the smallest size
 * that does (the plan says so).
 */
export type EssdLevel = "PL0" | "PL1" | "PL2" | "PL3";

interface LevelRule {
  level: EssdLevel;
  minGiB: number;
  baseMBps: number;
  perGiBMBps: number;
  maxMBps: number;
}

const LEVELS: readonly LevelRule[] = [
  { level: "PL0", minGiB: 1, baseMBps: 100, perGiBMBps: 0.25, maxMBps: 180 },
  { level: "PL1", minGiB: 20, baseMBps: 120, perGiBMBps: 0.5, maxMBps: 350 },
  { level: "PL2", minGiB: 461, baseMBps: 120, perGiBMBps: 0.5, maxMBps: 750 },
  { level: "PL3", minGiB: 1261, baseMBps: 120, perGiBMBps: 0.5, maxMBps: 4000 },
];

/** What the weights disk will be. */
export interface EssdPlan {
  level: EssdLevel;
  sizeGiB: number;
  /** The level's throughput at that size. */
  throughputMBps: number;
  /** Why this level and size, for the plan printout. */
  reason: string;
}

/** Throughput of one ESSD of `level` and `sizeGiB`, in MB/s (0 below the level's minimum size). */
export function essdThroughputMBps(level: EssdLevel, sizeGiB: number): number {
  const rule = LEVELS.find((l) => l.level === level) as LevelRule;
  if (sizeGiB < rule.minGiB) return 0;
  return Math.min(rule.baseMBps + rule.perGiBMBps * sizeGiB, rule.maxMBps);
}

/** The lowest level (and, if needed, a larger size) that delivers `neededMBps`. */
export function planEssd(neededMBps: number, sizeGiB: number): EssdPlan {
  for (const rule of LEVELS) {
    const mbps = essdThroughputMBps(rule.level, sizeGiB);
    if (mbps >= neededMBps) {
      return {
        level: rule.level,
        sizeGiB,
        throughputMBps: mbps,
        reason: `${rule.level} gives ${mbps} MB/s at ${sizeGiB} GiB (need ${Math.round(neededMBps)})`,
      };
    }
  }
  const top = LEVELS.at(-1) as LevelRule;
  const target = Math.min(neededMBps, top.maxMBps);
  for (const rule of LEVELS) {
    if (rule.maxMBps < target) continue;
    const grown = Math.max(rule.minGiB, sizeGiB, Math.ceil((target - rule.baseMBps) / rule.perGiBMBps));
    const mbps = essdThroughputMBps(rule.level, grown);
    return {
      level: rule.level,
      sizeGiB: grown,
      throughputMBps: mbps,
      reason: `${rule.level} grown from ${sizeGiB} to ${grown} GiB to reach ${Math.round(target)} MB/s${target < neededMBps ? ` (capped; ${Math.round(neededMBps)} asked)` : ""}`,
    };
  }
  throw new Error("unreachable: PL3 covers every capped target");
}
