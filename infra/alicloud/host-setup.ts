import { MIN_DRIVER_MAJOR } from "../decisions/gpu-driver.ts";
import type { StageEstimate } from "../estimate/first-video.ts";

/**
 * The GPU box on a public image: what the program looks up, and what its first boot installs.
 *
 * The image is Alibaba's public Ubuntu 24.04 LTS x86_64 system image, the way Alibaba's own
 * Terraform module for GPU instances picks one (`alicloud_images`, owners "system", a name
 * pattern, most recent). It carries no GPU software, so the first boot installs, each as a named
 * step of the boot log:
 * - the NVIDIA driver from Ubuntu's own packages (the `-server` branch named by the image's minimum,
 *   with Ubuntu's prebuilt signed kernel modules), from the in-region apt mirror;
 * - Docker (Ubuntu's docker.io) from the same mirror;
 * - the NVIDIA Container Toolkit: Ubuntu's package when the archive has it, else NVIDIA's apt
 *   repository as the in-region mirror serves it ({@link TOOLKIT_MIRROR});
 * - the aliyun CLI, from Alibaba's download site (the box reads OOS and OSS as its RAM role).
 * NOT VERIFIED HERE (no route to Alibaba Cloud): the image names, the package names on Alibaba's
 * mirror, the toolkit mirror path and the minutes below. The boot log names each failing step with
 * what to do; a custom image (`i2v:imageId`) skips all of it.
 */
export const PUBLIC_IMAGE_QUERY = {
  owners: "system",
  nameRegex: "^ubuntu_24_04_x64_20G_alibase_\\d+\\.vhd$",
  architecture: "x86_64",
  osType: "linux",
  mostRecent: true,
} as const;

/** Ubuntu's driver branch: the image's minimum, server flavour (long-lived, for datacentre GPUs). */
export const DRIVER_BRANCH = `${MIN_DRIVER_MAJOR}-server`;

/** NVIDIA's libnvidia-container apt tree (gpgkey, stable/deb/amd64) on the in-region mirror (unverified path). */
export const TOOLKIT_MIRROR = "http://mirrors.cloud.aliyuncs.com/libnvidia-container";

/** Alibaba's documented download of the aliyun CLI (Linux, amd64). */
export const ALIYUN_CLI_URL = "https://aliyuncli.alicdn.com/aliyun-cli-linux-latest-amd64.tgz";

/** What the first boot on a public image adds to the time to first video (guesses; not measured). */
export function hostSetupStage(): StageEstimate {
  return {
    stage: "host setup (driver, Docker, toolkit)",
    lowSeconds: 240,
    highSeconds: 600,
    basis: `first boot on the public Ubuntu image: NVIDIA ${DRIVER_BRANCH} driver, docker.io, NVIDIA Container Toolkit, aliyun CLI from in-region mirrors (guess; set i2v:imageId to a custom image to skip it)`,
  };
}
