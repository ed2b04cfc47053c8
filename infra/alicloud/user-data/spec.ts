import type { WeightsSource } from "../weights-sources.ts";

/** Everything the Alibaba box's boot needs; plain data, so rendering is a pure function. */
export interface AlicloudBootSpec {
  region: string;
  /** Image reference the box pulls (the ACR VPC host for the stack's repository). */
  imageUri: string;
  /** ACR Enterprise instance to log in to, and its VPC registry host; undefined for other images. */
  registry: { instanceId: string; host: string } | undefined;
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

/** Where the TLS files live on the box. */
export const TLS_DIR = "/etc/i2v/tls";
