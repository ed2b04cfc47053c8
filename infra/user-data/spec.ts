/** Everything the box's boot needs to know; plain data, so rendering is a pure function. */
export interface BootSpec {
  /** Region of the stack (for SSM). */
  region: string;
  /** Image reference to run. */
  imageUri: string;
  /** ECR registry host to log in to, and its region; undefined for images outside ECR. */
  ecr: { registry: string; region: string } | undefined;
  /** Where the weights go: local NVMe instance store, or the attached gp3/snapshot volume. */
  storage: "instance-store" | "ebs";
  /** Name (not value) of the SSM SecureString holding the API token; undefined for no token. */
  tokenParameterName: string | undefined;
  /** "baked" or a model reference fetched into the cache on the fast disk. */
  weights: string;
  /** Mirror for fetch-model, if any. */
  mirror: string | undefined;
  /** Non-secret environment for the runtime container. */
  runtimeEnv: Record<string, string>;
  /** Seconds the boot waits for /readyz. */
  readyTimeoutSeconds: number;
}

/** Fixed facts about the box layout, shared by the script, the units and the docs. */
export const BOX = {
  /** The runtime's port (its default). */
  port: 7860,
  /** Mount point of the fast disk. */
  mount: "/mnt/i2v",
  /** Hugging Face cache inside the container (HF_HOME); the fast disk's hf/ folder is mounted here. */
  containerCache: "/models/hf",
  /** Env file the token is written to (0600, root only). */
  envFile: "/etc/i2v/runtime.env",
  /** Boot helper path. */
  script: "/usr/local/sbin/i2v-boot",
  /** Log with one line per boot stage and its time since kernel start. */
  log: "/var/log/i2v-boot.log",
  /** Container name. */
  container: "i2v-runtime",
} as const;
