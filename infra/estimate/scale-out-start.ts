/**
 * Time from "jobs are waiting" to the first job on a new worker, stage by stage, for three ways of
 * starting a worker. Research figures, none measured on AWS from here; each stage names its basis.
 * Sources (collected for this project on 2026-12-01; the figures are the sources', not ours):
 * - EC2 cold launch ~25.8 s average on CPU types: brevdev/ec2-coldboot-research (GitHub).
 * - Warm pool of stopped, pre-hydrated instances: boot 40 s -> 5 s: depot.dev, "Making EC2 boot time 8x faster".
 * - Registry pulls 60-150 MB/s (16.3 GB cold in 165-169 s): Crazytieguy/alignment-hive#98.
 * - S3 -> NVMe: aws-cli ~375 MB/s, s5cmd saturates the NIC; small g5/g6 NICs "up to 10 Gbps"
 *   (~1.1 GB/s): s5cmd README (J. Robinson's benchmark); AWS instance tables (unverified here).
 * - EBS provisioned initialization rate 100-300 MiB/s: AWS EC2 API `VolumeInitializationRate`.
 * - Alarm periods of 60 s at standard resolution: Amazon CloudWatch alarm documentation.
 */
import type { StageEstimate } from "./first-video.ts";
import { totalRange } from "./first-video.ts";

/** What the estimate depends on. */
export interface ScaleOutStartInput {
  imageGB: number;
  weightsGB: number;
  weights: "baked" | "fetch" | "snapshot";
  snapshotInitRateMiBps: number;
  generationSeconds: [number, number];
  /** Whether the stack keeps a warm pool (marks that path as the configured one). */
  warmPool: boolean;
  /** The alarm period in seconds. */
  alarmPeriodSeconds: number;
}

/** One way to start a worker, with its stages and totals (to the first job's start, and its end). */
export interface StartPath {
  name: string;
  configured: boolean;
  stages: StageEstimate[];
  toFirstJob: { lowSeconds: number; highSeconds: number };
  toFirstVideo: { lowSeconds: number; highSeconds: number };
}

const GB = 1e9;
const MiB = 1024 * 1024;

/** The detection stages every path shares, then the three start paths. */
export function estimateScaleOutStart(input: ScaleOutStartInput): {
  detection: StageEstimate[];
  paths: StartPath[];
} {
  const p = input.alarmPeriodSeconds;
  const detection: StageEstimate[] = [
    {
      stage: "metric published",
      lowSeconds: 0,
      highSeconds: 10,
      basis: "the API publishes Backlog every 10 s",
    },
    {
      stage: `wake alarm (1 x ${p} s period)`,
      lowSeconds: p,
      highSeconds: 2 * p,
      basis: "standard-resolution alarm: the period fills, then it is evaluated (CloudWatch docs; derived)",
    },
    {
      stage: "Auto Scaling acts",
      lowSeconds: 0,
      highSeconds: 10,
      basis: "policy execution to RunInstances (guess)",
    },
  ];
  const load: StageEstimate = {
    stage: "model load and warm-up",
    lowSeconds: 10 + (input.weightsGB * GB) / 2e9,
    highSeconds: 60 + (input.weightsGB * GB) / 0.5e9,
    basis: "disk read plus host-to-GPU copy at 0.5-2 GB/s, one warm-up run (research, derived)",
  };
  const generation: StageEstimate = {
    stage: "first job (generation)",
    lowSeconds: input.generationSeconds[0],
    highSeconds: input.generationSeconds[1],
    basis: "preset and GPU dependent; pass --generation-seconds after measuring yours",
  };
  const pullGB = input.imageGB + (input.weights === "baked" ? input.weightsGB : 0);
  const coldWeights: StageEstimate[] =
    input.weights === "fetch"
      ? [
          rate(
            `weights download (${input.weightsGB} GB)`,
            input.weightsGB,
            300e6,
            50e6,
            "Hugging Face endpoint or mirror at 50-300 MB/s (guess)",
          ),
        ]
      : input.weights === "snapshot"
        ? [
            rate(
              `weights from snapshot (${input.weightsGB} GB)`,
              input.weightsGB,
              input.snapshotInitRateMiBps * MiB,
              input.snapshotInitRateMiBps * MiB,
              `EBS provisioned initialization rate ${input.snapshotInitRateMiBps} MiB/s (AWS: 100-300)`,
            ),
          ]
        : [];
  const paths: Omit<StartPath, "toFirstJob" | "toFirstVideo">[] = [
    {
      name: "cold launch (no warm pool)",
      configured: !input.warmPool,
      stages: [
        {
          stage: "launch and boot (EC2 + DLAMI)",
          lowSeconds: 30,
          highSeconds: 90,
          basis: "EC2 cold launch ~26 s on CPU types; GPU AMIs boot slower (research)",
        },
        rate(
          `image pull (${round(pullGB)} GB)`,
          pullGB,
          150e6,
          60e6,
          "registry pulls of 60-150 MB/s (research: 16.3 GB in ~165 s)",
        ),
        ...coldWeights,
        load,
      ],
    },
    {
      name: "warm pool (stopped, image pulled, volumes hydrated)",
      configured: input.warmPool,
      stages: [
        {
          stage: "start from the warm pool",
          lowSeconds: 5,
          highSeconds: 40,
          basis: "stopped, pre-hydrated instance: 40 s -> 5 s (depot.dev)",
        },
        {
          stage: "runtime container start",
          lowSeconds: 5,
          highSeconds: 15,
          basis: "image already on the root volume; docker run (guess)",
        },
        ...(input.weights === "baked"
          ? []
          : [
              rate(
                `weights S3 -> NVMe (${input.weightsGB} GB)`,
                input.weightsGB,
                1.1e9,
                375e6,
                "instance store is empty after a stop: parallel S3 GETs, aws-cli 375 MB/s to a ~1.1 GB/s NIC",
              ),
            ]),
        load,
      ],
    },
    {
      name: "prebaked AMI + weights S3 -> NVMe (not built; on paper)",
      configured: false,
      stages: [
        {
          stage: "launch and boot (EC2 + DLAMI)",
          lowSeconds: 30,
          highSeconds: 90,
          basis: "EC2 cold launch ~26 s on CPU types; GPU AMIs boot slower (research)",
        },
        rate(
          `image from the AMI's root (${input.imageGB} GB)`,
          input.imageGB,
          300 * MiB,
          300 * MiB,
          "root volume restored at the provisioned initialization rate 300 MiB/s, no lazy first reads",
        ),
        rate(
          `weights S3 -> NVMe (${input.weightsGB} GB)`,
          input.weightsGB,
          1.1e9,
          375e6,
          "parallel S3 GETs (s5cmd) to instance-store NVMe, aws-cli 375 MB/s to a ~1.1 GB/s NIC",
        ),
        load,
      ],
    },
  ];
  return {
    detection,
    paths: paths.map((path) => {
      const toFirstJob = totalRange([...detection, ...path.stages]);
      const withJob = totalRange([...detection, ...path.stages, generation]);
      return { ...path, stages: [...path.stages, generation], toFirstJob, toFirstVideo: withJob };
    }),
  };
}

function rate(stage: string, gb: number, fastBps: number, slowBps: number, basis: string): StageEstimate {
  return { stage, lowSeconds: (gb * GB) / fastBps, highSeconds: (gb * GB) / slowBps, basis };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
