import { formatPlacement } from "../decisions/capacity.ts";
import { driverRequirement } from "../decisions/gpu-driver.ts";
import type { PlanAssumptions } from "../estimate/deploy-plan.ts";
import { estimateFirstVideo, type StageEstimate, totalRange } from "../estimate/first-video.ts";
import type { StackSettings } from "../settings.ts";
import { imageTransport } from "./boot-spec.ts";
import { alicloudFamily, alicloudTypeSpec } from "./catalog.ts";
import type { EssdPlan } from "./essd.ts";
import { DRIVER_BRANCH, hostSetupStage } from "./host-setup.ts";
import { bakeAdvice, bootMirror } from "./mirror-choice.ts";
import { alicloudCandidates, alicloudDiskPlan, alicloudPlacement } from "./placement.ts";
import type { AlicloudPriceTable } from "./prices.ts";
import { type WeightsSource, weightsSources } from "./weights-sources.ts";

/** One candidate with its hardware, quota and estimated cost. */
export interface AlicloudCandidateRow {
  placement: string;
  hardware: string;
  vcpus: number | undefined;
  quota: string;
  /** CNY per hour; instance undefined when the table has no price for the type. */
  cost: {
    instance: number | undefined;
    spotGuess: boolean;
    disks: number;
    eip: number;
    total: number | undefined;
  };
}

/** What `npm run deploy-plan` prints for an alicloud stack (also its `--json`). */
export interface AlicloudDeployPlan {
  cloud: "alicloud";
  region: string;
  market: "on-demand" | "spot";
  current: string;
  candidates: AlicloudCandidateRow[];
  weightsDisk: EssdPlan;
  prices: { asOf: string; source: string; region: string; currency: "CNY"; verifiedHere: boolean };
  /** What new accounts hit before the first box starts, in the order they hit. */
  accountChecks: string[];
  mirrors: { boot: string; bake: string; weights: WeightsSource[] };
  /** The GPU box's image and what its first boot installs. */
  host: { image: string; driver: string };
  /** How the runtime image reaches the box. */
  imageTransport: string;
  firstVideo: { instanceType: string; stages: StageEstimate[]; lowSeconds: number; highSeconds: number };
}

/** Builds the plan from settings and the price table; no Alibaba access. */
export function buildAlicloudPlan(
  settings: StackSettings,
  prices: AlicloudPriceTable,
  assumptions: PlanAssumptions,
): AlicloudDeployPlan {
  const disk = alicloudDiskPlan(settings);
  const monthly = (gib: number, level: keyof AlicloudPriceTable["essdPerGiBMonth"]) =>
    (gib * prices.essdPerGiBMonth[level]) / prices.hoursPerMonth;
  const disks = monthly(settings.rootVolumeGiB, "PL1") + monthly(disk.sizeGiB, disk.level);
  const spot = settings.market === "spot";
  const candidates = alicloudCandidates(settings).map((candidate): AlicloudCandidateRow => {
    const spec = alicloudTypeSpec(candidate.instanceType);
    const list = prices.payAsYouGoPerHour[candidate.instanceType];
    const instance = list === undefined ? undefined : spot ? list * prices.spotFactorGuess : list;
    return {
      placement: formatPlacement(candidate),
      hardware: spec ? `${spec.gpus}x ${spec.gpuModel} ${spec.gpuMemoryGiB} GiB` : "not in the catalog",
      vcpus: spec?.vcpus,
      quota: `ECS ${spot ? "spot" : "pay-as-you-go"} vCPUs of family ${alicloudFamily(candidate.instanceType)} in ${settings.region} (Quota Center)`,
      cost: {
        instance,
        spotGuess: spot,
        disks,
        eip: prices.eipPerHour,
        total: instance === undefined ? undefined : instance + disks + prices.eipPerHour,
      },
    };
  });
  const current = alicloudPlacement(settings);
  const sources = weightsSources(settings.weights, settings.mirror);
  const transport = imageTransport(settings);
  const bootStages = estimateFirstVideo({
    ...assumptions,
    weights: settings.weights === "baked" ? "baked" : "fetch",
    snapshotInitRateMiBps: 0,
  }).map((stage, index): StageEstimate => {
    if (index === 0)
      return {
        stage: "launch and boot (ECS GPU instance)",
        lowSeconds: 40,
        highSeconds: 120,
        basis: "ECS pay-as-you-go launch plus cloud-init (guess; not measured on Alibaba)",
      };
    if (stage.stage.startsWith("image pull"))
      return {
        ...stage,
        basis:
          transport === "oss"
            ? "offline archive from the stack's OSS bucket over the internal endpoint, verified and docker-loaded (assumed 60-150 MB/s)"
            : "ACR Enterprise over the VPC endpoint at 60-150 MB/s (assumed like ECR)",
      };
    if (stage.stage.startsWith("weights download"))
      return { ...stage, basis: "50-300 MB/s from ModelScope or hf-mirror (guess; depends on the endpoint)" };
    return stage;
  });
  // A public image installs the GPU stack at first boot, right after launch.
  const stages = settings.imageId
    ? bootStages
    : [bootStages[0] as StageEstimate, hostSetupStage(), ...bootStages.slice(1)];
  const total = totalRange(stages);
  return {
    cloud: "alicloud",
    region: settings.region,
    market: settings.market,
    current: formatPlacement(current),
    candidates,
    weightsDisk: disk,
    prices: {
      asOf: prices.asOf,
      source: prices.source,
      region: prices.region,
      currency: prices.currency,
      verifiedHere: prices.verifiedHere,
    },
    accountChecks: accountChecks(settings),
    mirrors: {
      boot: `${bootMirror().provider} (${bootMirror().ubuntu})`,
      bake: bakeAdvice(),
      weights: sources,
    },
    host: {
      image: settings.imageId
        ? `i2v:imageId ${settings.imageId} (custom: must carry the driver, Docker, the toolkit, the aliyun CLI)`
        : "public Ubuntu 24.04 LTS x86_64 system image, looked up in the region at the first pulumi up and pinned",
      driver: `${driverRequirement()}: ${settings.imageId ? "the custom image's driver, checked at boot" : `Ubuntu's nvidia-*-${DRIVER_BRANCH} installed at first boot, checked before the container starts`}`,
    },
    imageTransport:
      transport === "oss"
        ? "offline archive (bake-image --offline) in a private OSS bucket the stack creates; push with the pushCommand output; no paid registry"
        : transport === "acr"
          ? `ACR Enterprise instance ${settings.acrInstanceId} (i2v:acrInstanceId)`
          : `pulled from ${settings.imageUri} (i2v:imageUri)`,
    firstVideo: { instanceType: current.instanceType, stages, ...total },
  };
}

/** The account-level stops a new Alibaba account meets (docs/infra.md#alibaba-cloud explains each). */
function accountChecks(settings: StackSettings): string[] {
  const checks = [
    "real-name verification of the account (RealNameAuthenticationError otherwise; mainland regions)",
    "a positive balance for pay-as-you-go, commonly at least CNY 100 (InvalidAccountStatus.NotEnoughBalance)",
    `GPU vCPU quota per family in ${settings.region}: new accounts often have little or none (QuotaExceed.ElasticQuota); raise it in Quota Center`,
    `no registry to buy: the image goes through an OSS bucket the stack creates (an ACR Enterprise instance only with i2v:acrInstanceId${settings.acrInstanceId ? `, set: ${settings.acrInstanceId}` : ""})`,
    "elastic IPs per region (default quota ~20)",
  ];
  if (settings.market === "spot")
    checks.push(
      "spot (SpotAsPriceGo) is offered to domestic-site (aliyun.com) accounts only, per the provider",
    );
  return checks;
}

/** The plan as text. */
export function formatAlicloudPlan(plan: AlicloudDeployPlan): string {
  const money = (n: number | undefined) => (n === undefined ? "no price" : `CNY ${n.toFixed(2)}`);
  const lines = [
    `cloud alicloud, region ${plan.region}, market ${plan.market}; this run deploys ${plan.current}`,
    "",
    "Placements in fallback order (OperationDenied.NoStock / Zone.NotOnSale move to the next):",
  ];
  for (const [i, c] of plan.candidates.entries()) {
    lines.push(
      `  ${String(i + 1).padStart(2)}. ${c.placement.padEnd(40)} ${c.hardware.padEnd(18)} ${String(c.vcpus ?? "?").padStart(3)} vCPU  ~${money(c.cost.total)}/h${c.cost.spotGuess ? " (spot guess)" : ""}`,
    );
  }
  lines.push(
    "",
    `Weights disk: ESSD ${plan.weightsDisk.level}, ${plan.weightsDisk.sizeGiB} GiB, ${plan.weightsDisk.throughputMBps} MB/s (${plan.weightsDisk.reason}), encrypted`,
    `Prices: ESTIMATES in CNY from ${plan.prices.source}, as of ${plan.prices.asOf}${plan.prices.verifiedHere ? "" : " (not verified from here; no Alibaba access)"}; disks and EIP included, traffic not.`,
    "",
    "Before the first box (what new accounts hit):",
    ...plan.accountChecks.map((c) => `  - ${c}`),
    "",
    `GPU box image: ${plan.host.image}`,
    `GPU driver: ${plan.host.driver}`,
    `Runtime image: ${plan.imageTransport}`,
    "",
    "Mirrors:",
    `  boot: apt on ${plan.mirrors.boot}`,
    `  bake: ${plan.mirrors.bake}`,
    ...(plan.mirrors.weights.length === 0
      ? ["  weights: baked into the image"]
      : plan.mirrors.weights.map((w, i) => `  weights ${i + 1}: ${w.ref} from ${w.mirror} (${w.note})`)),
    "",
    `Expected time to first video on ${plan.firstVideo.instanceType} (estimates, not measured on Alibaba):`,
  );
  const fmt = (s: number) => (s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
  for (const s of plan.firstVideo.stages)
    lines.push(
      `  ${s.stage.padEnd(34)} ${`${fmt(s.lowSeconds)} - ${fmt(s.highSeconds)}`.padEnd(19)} ${s.basis}`,
    );
  lines.push(
    `  ${"total".padEnd(34)} ${fmt(plan.firstVideo.lowSeconds)} - ${fmt(plan.firstVideo.highSeconds)}`,
  );
  return lines.join("\n");
}
