import * as alicloud from "@pulumi/alicloud";
import type * as pulumi from "@pulumi/pulumi";
import { PUBLIC_IMAGE_QUERY } from "./host-setup.ts";

/** The GPU box's image: the one named in config, or the public Ubuntu LTS image found in the region. */
export interface GpuImage {
  imageId: pulumi.Output<string> | string;
  /** True when the program looked it up (so the box pins it; see AlicloudGpuBox). */
  lookedUp: boolean;
  /** For the outputs: the id and the image's name. */
  description: pulumi.Output<string> | string;
}

/**
 * `i2v:imageId` when set (a custom image with the GPU stack), else the most recent public Ubuntu
 * 24.04 LTS x86_64 system image of the region (infra/alicloud/host-setup.ts installs the rest).
 */
export function gpuImage(imageId: string | undefined, region: string, parent: pulumi.Resource): GpuImage {
  if (imageId) return { imageId, lookedUp: false, description: `${imageId} (i2v:imageId)` };
  const found = alicloud.ecs.getImagesOutput({ ...PUBLIC_IMAGE_QUERY }, { parent }).images.apply((images) => {
    const first = images[0];
    if (!first)
      throw new Error(
        `no public image matching ${PUBLIC_IMAGE_QUERY.nameRegex} in ${region}; set i2v:imageId to an Ubuntu 24.04 x86_64 image id (docs/infra.md#alibaba-cloud)`,
      );
    return first;
  });
  return {
    imageId: found.id,
    lookedUp: true,
    description: found.apply((image) => `${image.id} (${image.name})`),
  };
}
