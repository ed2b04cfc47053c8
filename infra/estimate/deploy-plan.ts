import { instanceTypeSpec } from "../catalog/instance-types.ts";
import { formatPlacement } from "../decisions/capacity.ts";
import { driverRequirement } from "../decisions/gpu-driver.ts";
import { quotaName } from "../decisions/quota.ts";
import { ALARM_PERIOD_SECONDS } from "../decisions/scaling.ts";
import type { StoragePlan } from "../decisions/storage.ts";
import { candidatesFor, currentPlacement, storagePlanFor } from "../plan.ts";
import type { StackSettings } from "../settings.ts";
import { estimateFirstVideo, type StageEstimate, totalRange } from "./first-video.ts";
import { estimateHourlyCost, type HourlyCost } from "./hourly-cost.ts";
import type { PriceTable } from "./prices.ts";
import { estimateScaleOutStart, type StartPath } from "./scale-out-start.ts";

/** One row of the plan: a candidate with what it would cost and need. */
export interface CandidateRow {
  placement: string;
  hardware: string;
  vcpus: number | undefined;
  quota: string;
  storage: StoragePlan;
  cost: HourlyCost;
}

/** Everything `npm run deploy-plan` prints, as data (also its `--json` output). */
export interface DeployPlan {
  region: string;
  market: "on-demand" | "spot";
  current: string;
  candidates: CandidateRow[];
  prices: { asOf: string; source: string; region: string; verifiedHere: boolean };
  firstVideo: { instanceType: string; stages: StageEstimate[]; lowSeconds: number; highSeconds: number };
  /** The host driver the GPU image needs, and what gives it (the AMI). */
  driver: string;
  /** With `i2v:workers`: backlog to first job on a new worker, by start path. */
  scaleOut?: {
    min: number;
    max: number;
    targetBacklogPerWorker: number;
    detection: StageEstimate[];
    paths: StartPath[];
  };
}

/** Assumptions for the time estimate that the stack config does not hold. */
export interface PlanAssumptions {
  imageGB: number;
  weightsGB: number;
  generationSeconds: [number, number];
}

/** Builds the plan from settings and the price table. */
export function buildDeployPlan(
  settings: StackSettings,
  prices: PriceTable,
  assumptions: PlanAssumptions,
): DeployPlan {
  const rootThroughputMiBps = 250; // GpuBox's default
  const rows = candidatesFor(settings).map((candidate): CandidateRow => {
    const spec = instanceTypeSpec(candidate.instanceType);
    const storage = storagePlanFor(settings, candidate.instanceType);
    return {
      placement: formatPlacement(candidate),
      hardware: spec ? `${spec.gpus}x ${spec.gpuModel} ${spec.gpuMemoryGiB} GiB` : "not in the catalog",
      vcpus: spec?.vcpus,
      quota: quotaName(candidate.instanceType, settings.market),
      storage,
      cost: estimateHourlyCost(
        {
          instanceType: candidate.instanceType,
          market: settings.market,
          rootVolumeGiB: settings.rootVolumeGiB,
          rootThroughputMiBps,
          storage,
        },
        prices,
      ),
    };
  });
  const current = currentPlacement(settings);
  const storage = storagePlanFor(settings, current.instanceType);
  const weights =
    settings.weights === "baked"
      ? "baked"
      : storage.kind === "ebs" && storage.snapshotId
        ? "snapshot"
        : "fetch";
  const stages = estimateFirstVideo({
    ...assumptions,
    weights,
    snapshotInitRateMiBps: settings.snapshotInitRateMiBps,
  });
  return {
    region: settings.region,
    market: settings.market,
    current: formatPlacement(current),
    candidates: rows,
    prices: {
      asOf: prices.asOf,
      source: prices.source,
      region: prices.region,
      verifiedHere: prices.verifiedHere,
    },
    firstVideo: { instanceType: current.instanceType, stages, ...totalRange(stages) },
    driver: `${driverRequirement()}: ${settings.amiId ? `i2v:amiId ${settings.amiId} must carry it (the boot checks and stops if not)` : "the DLAMI's current release carries a newer one; the boot checks it before the container starts"}`,
    ...(settings.workers
      ? {
          scaleOut: {
            min: settings.workers.min,
            max: settings.workers.max,
            targetBacklogPerWorker: settings.workers.targetBacklogPerWorker,
            ...estimateScaleOutStart({
              ...assumptions,
              weights,
              snapshotInitRateMiBps: settings.snapshotInitRateMiBps,
              warmPool: settings.workers.warmPool > 0,
              alarmPeriodSeconds: ALARM_PERIOD_SECONDS,
            }),
          },
        }
      : {}),
  };
}

/** The plan as text for a terminal. */
export function formatDeployPlan(plan: DeployPlan): string {
  const lines: string[] = [];
  lines.push(`Placements, tried in this order when AWS has no capacity (${plan.market}, ${plan.region}):`);
  for (const [i, row] of plan.candidates.entries()) {
    const mark = row.placement === plan.current ? "*" : " ";
    const cost =
      row.cost.total === undefined
        ? "price unknown"
        : `~$${row.cost.total.toFixed(2)}/h${row.cost.spotGuess ? " (spot guess)" : ""}`;
    const storage =
      row.storage.kind === "instance-store"
        ? `instance-store NVMe ${row.storage.sizeGB} GB`
        : `gp3 ${row.storage.sizeGiB} GiB ${row.storage.throughputMiBps} MiB/s`;
    lines.push(
      `${mark}${String(i + 1).padStart(2)}. ${row.placement.padEnd(24)} ${row.hardware.padEnd(18)} ${cost.padEnd(26)} weights on ${storage}`,
    );
  }
  lines.push("   (* = what the next `pulumi up` deploys)");
  lines.push("");
  lines.push("Quotas (Service Quotas, in vCPUs, per region; on-demand and spot are separate):");
  const quotas = new Map<string, number>();
  for (const row of plan.candidates)
    quotas.set(row.quota, Math.max(quotas.get(row.quota) ?? 0, row.vcpus ?? 0));
  for (const [quota, vcpus] of quotas)
    lines.push(`  "${quota}": at least ${vcpus || "?"} vCPUs in ${plan.region}`);
  lines.push("");
  lines.push(
    `Prices: ESTIMATES from public on-demand list prices (${plan.prices.region}, as of ${plan.prices.asOf}; ${plan.prices.source}).`,
  );
  lines.push(
    `  Not checked against AWS from this machine${plan.prices.verifiedHere ? "" : " (no AWS access)"}; other regions differ. Storage is included.`,
  );
  lines.push("");
  lines.push(`GPU driver: ${plan.driver}`, "");
  lines.push(
    `Expected time to first video on ${plan.firstVideo.instanceType} (research figures, not measured here):`,
  );
  for (const s of plan.firstVideo.stages) {
    lines.push(`  ${s.stage.padEnd(34)} ${range(s.lowSeconds, s.highSeconds).padEnd(19)} ${s.basis}`);
  }
  lines.push(`  ${"total".padEnd(34)} ${range(plan.firstVideo.lowSeconds, plan.firstVideo.highSeconds)}`);
  if (plan.scaleOut) lines.push("", ...formatScaleOut(plan.scaleOut, plan.firstVideo));
  return lines.join("\n");
}

function range(low: number, high: number): string {
  const fmt = (s: number) => (s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
  return `${fmt(low)} - ${fmt(high)}`;
}

function formatScaleOut(
  scaleOut: NonNullable<DeployPlan["scaleOut"]>,
  single: DeployPlan["firstVideo"],
): string[] {
  const lines = [
    `Scale-out: ${scaleOut.min}-${scaleOut.max} workers, target ${scaleOut.targetBacklogPerWorker} jobs per worker.`,
    "Backlog to first job on a new worker (from zero workers; research figures, not measured here):",
  ];
  for (const s of scaleOut.detection)
    lines.push(`  ${s.stage.padEnd(40)} ${range(s.lowSeconds, s.highSeconds).padEnd(19)} ${s.basis}`);
  for (const path of scaleOut.paths) {
    lines.push(`  then, ${path.name}${path.configured ? " [this stack]" : ""}:`);
    for (const s of path.stages)
      lines.push(`    ${s.stage.padEnd(38)} ${range(s.lowSeconds, s.highSeconds).padEnd(19)} ${s.basis}`);
    const start = path.toFirstJob;
    const startOnly = {
      low: start.lowSeconds - sum(scaleOut.detection, "lowSeconds"),
      high: start.highSeconds - sum(scaleOut.detection, "highSeconds"),
    };
    lines.push(
      `    ${"= backlog to first job started".padEnd(38)} ${range(start.lowSeconds, start.highSeconds).padEnd(19)} (worker start alone: ${range(startOnly.low, startOnly.high)})`,
    );
    lines.push(
      `    ${"= backlog to first video".padEnd(38)} ${range(path.toFirstVideo.lowSeconds, path.toFirstVideo.highSeconds)}`,
    );
  }
  lines.push(
    `  single box today, pulumi up to first video: ${range(single.lowSeconds, single.highSeconds)} (above); with min >= 1 a worker is already up and a job starts at once.`,
  );
  return lines;
}

function sum(stages: readonly StageEstimate[], key: "lowSeconds" | "highSeconds"): number {
  return stages.reduce((total, s) => total + s[key], 0);
}
