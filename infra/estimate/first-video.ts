/**
 * Expected time from `pulumi up` to the first video, stage by stage, as a low-high range. The rates
 * are the figures collected in the project's provisioning research (launch times, registry pull
 * rates, EBS initialization rates); none was measured on AWS from here. The printout says so.
 */

/** One stage of the boot with its range in seconds and where the figure comes from. */
export interface StageEstimate {
  stage: string;
  lowSeconds: number;
  highSeconds: number;
  basis: string;
}

/** What the estimate depends on. */
export interface FirstVideoInput {
  /** Compressed image size in GB, without weights. */
  imageGB: number;
  /** Weights size in GB. */
  weightsGB: number;
  /** How the weights get to the fast disk. */
  weights: "baked" | "fetch" | "snapshot";
  /** Snapshot initialization rate in MiB/s (snapshot only). */
  snapshotInitRateMiBps: number;
  /** Seconds the first generation takes on this GPU: [low, high]. */
  generationSeconds: [number, number];
}

const GB = 1e9;
const MiB = 1024 * 1024;

/** The stages, in the order they happen on the box. */
export function estimateFirstVideo(input: FirstVideoInput): StageEstimate[] {
  const pullGB = input.imageGB + (input.weights === "baked" ? input.weightsGB : 0);
  const stages: StageEstimate[] = [
    {
      stage: "launch and boot (EC2 + DLAMI)",
      lowSeconds: 30,
      highSeconds: 90,
      basis: "EC2 cold launch ~26 s to SSH on CPU types; GPU AMIs boot slower (research, derived)",
    },
    {
      stage: `image pull (${round(pullGB)} GB)`,
      lowSeconds: (pullGB * GB) / 150e6,
      highSeconds: (pullGB * GB) / 60e6,
      basis: "registry pulls of 60-150 MB/s (research: 16 GB in ~165 s)",
    },
  ];
  if (input.weights === "fetch") {
    stages.push({
      stage: `weights download (${round(input.weightsGB)} GB)`,
      lowSeconds: (input.weightsGB * GB) / 300e6,
      highSeconds: (input.weightsGB * GB) / 50e6,
      basis: "50-300 MB/s from a Hugging Face endpoint or mirror (guess; depends on the endpoint)",
    });
  } else if (input.weights === "snapshot") {
    stages.push({
      stage: `weights from snapshot (${round(input.weightsGB)} GB)`,
      lowSeconds: (input.weightsGB * GB) / (input.snapshotInitRateMiBps * MiB),
      highSeconds: (input.weightsGB * GB) / (input.snapshotInitRateMiBps * MiB) + 60,
      basis: `EBS provisioned initialization rate ${input.snapshotInitRateMiBps} MiB/s (AWS: 100-300)`,
    });
  }
  stages.push(
    {
      stage: "model load and warm-up",
      lowSeconds: 10 + (input.weightsGB * GB) / 2e9,
      highSeconds: 60 + (input.weightsGB * GB) / 0.5e9,
      basis: "SSD read plus host-to-GPU copy at 0.5-2 GB/s, then one warm-up run (research, derived)",
    },
    {
      stage: "first generation",
      lowSeconds: input.generationSeconds[0],
      highSeconds: input.generationSeconds[1],
      basis: "preset and GPU dependent; pass --generation-seconds after measuring yours",
    },
  );
  return stages;
}

/** Sum of the ranges. */
export function totalRange(stages: readonly StageEstimate[]): { lowSeconds: number; highSeconds: number } {
  return {
    lowSeconds: stages.reduce((sum, s) => sum + s.lowSeconds, 0),
    highSeconds: stages.reduce((sum, s) => sum + s.highSeconds, 0),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
