import type { WeightsSource } from "../weights-sources.ts";

/** Where the box gets the runtime image from. */
export type AlicloudImageSource =
  /** The stack's OSS bucket (the default): the verified offline archive of `bake-image --offline`. */
  | { from: "oss"; bucket: string; endpoint: string; object: string }
  /** The stack's repository in an ACR Enterprise instance (`i2v:acrInstanceId`), over the VPC host. */
  | { from: "acr"; instanceId: string; host: string }
  /** Any registry the box can pull from anonymously (`i2v:imageUri`). */
  | { from: "registry" };

/** Everything the Alibaba box's boot needs; plain data, so rendering is a pure function. */
export interface AlicloudBootSpec {
  region: string;
  /** The image reference the box runs (for an archive: the local tag it is loaded under). */
  imageUri: string;
  image: AlicloudImageSource;
  /**
   * `install`: a public Ubuntu image; the first boot installs the NVIDIA driver, Docker, the NVIDIA
   * Container Toolkit and the aliyun CLI. `check`: a custom image (`i2v:imageId`) that has them.
   */
  hostSetup: "install" | "check";
  /** The instance's RAM role (the aliyun CLI runs as it). */
  roleName: string;
  /** OOS secret parameter names (not values). */
  tokenParameterName: string | undefined;
  tlsKeyParameterName: string | undefined;
  /** Public PEMs written to the box; the key comes from OOS. */
  tls: { certPem: string; caPem: string } | undefined;
  /** The weights disk's serial: its id without `d-`. */
  diskSerial: string;
  /** Sources to try in order; empty when the weights are baked. */
  weightsSources: WeightsSource[];
  /** apt archive for the box (in-region, internal network). */
  aptMirror: { ubuntu: string } | undefined;
  runtimeEnv: Record<string, string>;
  readyTimeoutSeconds: number;
}
