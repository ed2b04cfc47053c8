/**
 * The AMI the box boots: AWS's Deep Learning Base OSS NVIDIA Driver GPU AMI (Ubuntu 22.04). It
 * carries the NVIDIA driver, Docker and the NVIDIA Container Toolkit, so nothing is installed at
 * boot, and it mounts instance-store NVMe at /opt/dlami/nvme. Resolved through the public SSM
 * parameter so every deploy gets the current release without a hard-coded AMI id. Its current
 * releases carry NVIDIA driver 580 or newer (AWS's DLAMI release notes), the GPU image's minimum
 * (infra/decisions/gpu-driver.ts); the boot helper checks it before the container starts.
 */
export const DLAMI_PARAMETER =
  "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id";

/** The SSM parameter to resolve, or undefined when the user pinned an AMI id. */
export function amiParameterName(pinnedAmiId: string | undefined): string | undefined {
  return pinnedAmiId ? undefined : DLAMI_PARAMETER;
}

/**
 * The scale-out's API box needs no GPU: Amazon Linux 2023, which carries the AWS CLI and the SSM
 * agent; cloud-init installs Docker from the distribution's repository at first boot.
 */
export const CPU_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
