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
  /** Names (not values) of the SSM parameters with the server certificate; undefined: plain HTTP. */
  tls: TlsParameterNames | undefined;
  /** "baked" or a model reference fetched into the cache on the fast disk. */
  weights: string;
  /** Mirror for fetch-model, if any. */
  mirror: string | undefined;
  /** Non-secret environment for the runtime container. */
  runtimeEnv: Record<string, string>;
  /** Seconds the boot waits for /readyz. */
  readyTimeoutSeconds: number;
  /** `all`: the single box. `api`: no GPU, no weights. `worker`: started by its Auto Scaling lifecycle. @default "all" */
  role?: "all" | "api" | "worker";
  /** Name (not value) of the SSM SecureString holding I2V_QUEUE_URL (scale-out). */
  queueUrlParameterName?: string | undefined;
  /** A worker's Auto Scaling group and lifecycle hooks (scale-out workers only). */
  lifecycle?: WorkerLifecycle | undefined;
  /** Seconds `docker stop` waits for the runtime to drain before SIGKILL. @default 90 */
  drainTimeoutSeconds?: number;
}

/** What a worker's boot needs to follow its Auto Scaling lifecycle. */
export interface WorkerLifecycle {
  groupName: string;
  /** The terminate hook the drain completes. */
  terminateHook: string;
  /** The launch hook completed once prepared (only with a warm pool). */
  launchHook: string | undefined;
}

/** Where the box reads its TLS material: the key from a SecureString, the certificates from plain ones. */
export interface TlsParameterNames {
  /** String parameter: the server certificate (PEM). */
  cert: string;
  /** SecureString parameter: the server's private key (PEM). */
  key: string;
  /** String parameter: the stack's CA certificate (PEM), which the boot's readiness check pins. */
  ca: string;
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
  /** Host folder for cert.pem, key.pem, ca.pem (0700, owned by the runtime's user). */
  tlsDir: "/etc/i2v/tls",
  /** The same folder inside the container (read-only mount); I2V_TLS_CERT/I2V_TLS_KEY point here. */
  containerTlsDir: "/run/i2v/tls",
  /** The uid the runtime image runs as (images/recipes/*.yaml `user.uid`); it must read the key. */
  runtimeUid: 10001,
  /** Boot helper path. */
  script: "/usr/local/sbin/i2v-boot",
  /** Log with one line per boot stage and its time since kernel start. */
  log: "/var/log/i2v-boot.log",
  /** Container name. */
  container: "i2v-runtime",
} as const;
