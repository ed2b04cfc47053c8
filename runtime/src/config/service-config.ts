import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { parseAllowList } from "../webhooks/address-policy.ts";
import { cacheDir } from "./model-dir.ts";

const number = (fallback: number) => z.coerce.number().default(fallback);
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

/**
 * The service's configuration, from environment variables only (one table in docs/configuration.md).
 * Every variable is optional; the defaults serve the demo model on http://127.0.0.1:7860.
 */
const envSchema = z.object({
  PORT: int(7860),
  I2V_HOST: z.string().default("127.0.0.1"),
  I2V_MODEL: z.string().default("demo"),
  I2V_DATA_DIR: z.string().optional(),
  I2V_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  I2V_QUEUE_CAPACITY: int(5, 1),
  I2V_CONCURRENCY: int(1, 1),
  I2V_JOB_DEADLINE_S: number(900),
  I2V_PROVIDER: z.enum(["cpu", "cuda", "tensorrt"]).default("cpu"),
  I2V_PROVIDER_FALLBACK: z.enum(["none", "cpu"]).default("none"),
  I2V_VARIANT: z.enum(["fp32", "fp16"]).optional(),
  I2V_THREADS: int(os.availableParallelism()),
  I2V_ORT_CACHE: z.enum(["on", "off"]).default("on"),
  I2V_MEMORY_MARGIN: number(0.1),
  I2V_FREE_MEMORY_MB: z.coerce.number().positive().optional(),
  I2V_MAX_BODY_BYTES: int(30 * 1024 * 1024, 1024),
  I2V_MAX_IMAGE_BYTES: int(20 * 1024 * 1024, 1024),
  I2V_MAX_IMAGE_PIXELS: int(40_000_000, 1024),
  I2V_RESULTS_MAX_AGE_H: number(24),
  I2V_RESULTS_MAX_BYTES: int(5 * 1024 ** 3, 0),
  I2V_DRAIN_TIMEOUT_S: number(30),
  I2V_CORS_ORIGINS: z.string().default(""),
  I2V_RATE_LIMIT_PER_MIN: int(0),
  I2V_HEADERS_TIMEOUT_S: z.coerce.number().positive().default(20),
  I2V_REQUEST_TIMEOUT_S: z.coerce.number().positive().default(120),
  I2V_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  I2V_TLS_CERT: z.string().min(1).optional(),
  I2V_TLS_KEY: z.string().min(1).optional(),
  I2V_WEBHOOK_SECRET: z
    .string()
    .regex(
      /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/,
      "must be whsec_ and at least 16 bytes in base64 (whsec_$(openssl rand -base64 32))",
    )
    .optional(),
  I2V_WEBHOOK_ALLOW_HOSTS: z.string().default(""),
  I2V_WEBHOOK_RETRY_S: z
    .string()
    .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, "must be comma-separated seconds, e.g. 5,30,120")
    .default("5,30,120,600,1800"),
  I2V_WEBHOOK_TIMEOUT_S: z.coerce.number().positive().default(10),
  // Scale-out (docs/scale-out.md): which part of the service this process is, and what it shares.
  I2V_ROLE: z.enum(["all", "api", "worker"]).default("all"),
  I2V_QUEUE_URL: z
    .string()
    .regex(/^rediss?:\/\/[^/]+(\/\d+)?$/, "must be redis://host:port[/db] or rediss://host:port[/db]")
    .optional(),
  I2V_STORAGE: z
    .string()
    .regex(/^(file:\/\/\/.+|s3:\/\/[a-z0-9.-]{3,63}(\/.*)?)$/, "must be file:///dir or s3://bucket[/prefix]")
    .optional(),
  I2V_LEASE_S: z.coerce.number().min(2).max(300).default(20),
  I2V_JOB_ATTEMPTS: int(3, 1),
  I2V_WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/)
    .optional(),
  I2V_METRICS_NAMESPACE: z.string().min(1).optional(),
  I2V_STACK: z.string().default("default"),
});

export type ServiceConfig = ReturnType<typeof parseServiceConfig>;

/** Every environment variable the service reads (docs/configuration.md lists the same). */
export const SERVICE_ENV_VARS = Object.keys(envSchema.shape);

/** Reads the service configuration; every invalid variable is reported as `NAME: problem`. */
export function parseServiceConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (Boolean(env.I2V_TLS_CERT) !== Boolean(env.I2V_TLS_KEY)) {
    problems.push(
      `${env.I2V_TLS_CERT ? "I2V_TLS_KEY" : "I2V_TLS_CERT"}: must be set too (HTTPS needs both the certificate and its key), or unset both for plain HTTP`,
    );
  }
  const allowList = parseAllowList(
    typeof env.I2V_WEBHOOK_ALLOW_HOSTS === "string" ? env.I2V_WEBHOOK_ALLOW_HOSTS : "",
  );
  problems.push(...allowList.problems.map((p) => `I2V_WEBHOOK_ALLOW_HOSTS: ${p}`));
  if (!parsed.success || problems.length > 0) {
    throw Object.assign(new Error(`Invalid configuration:\n  - ${problems.join("\n  - ")}`), {
      hint: "Fix the environment variables above (docs/configuration.md lists them all).",
      problems,
    });
  }
  const e = parsed.data as z.output<typeof envSchema>;
  return {
    port: e.PORT,
    host: e.I2V_HOST,
    model: e.I2V_MODEL,
    dataDir: path.resolve(e.I2V_DATA_DIR ?? path.join(cacheDir(env), "data")),
    token: e.I2V_TOKEN,
    queueCapacity: e.I2V_QUEUE_CAPACITY,
    concurrency: e.I2V_CONCURRENCY,
    jobDeadlineMs: e.I2V_JOB_DEADLINE_S * 1000,
    runtime: {
      provider: e.I2V_PROVIDER,
      fallback: e.I2V_PROVIDER_FALLBACK,
      ...(e.I2V_VARIANT ? { variant: e.I2V_VARIANT } : {}),
      intraOpThreads: e.I2V_THREADS,
      ...(e.I2V_ORT_CACHE === "on"
        ? { optimizedModelCacheDir: path.join(cacheDir(env), "ort-optimized") }
        : {}),
    },
    memoryMargin: e.I2V_MEMORY_MARGIN,
    simulatedFreeMemoryMb: e.I2V_FREE_MEMORY_MB,
    maxBodyBytes: e.I2V_MAX_BODY_BYTES,
    imageLimits: { maxBytes: e.I2V_MAX_IMAGE_BYTES, maxPixels: e.I2V_MAX_IMAGE_PIXELS, minSide: 32 },
    resultsMaxAgeMs: e.I2V_RESULTS_MAX_AGE_H * 3600_000,
    resultsMaxBytes: e.I2V_RESULTS_MAX_BYTES,
    drainTimeoutMs: e.I2V_DRAIN_TIMEOUT_S * 1000,
    corsOrigins: e.I2V_CORS_ORIGINS.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    rateLimitPerMin: e.I2V_RATE_LIMIT_PER_MIN,
    // Node refuses a request timeout shorter than the headers timeout.
    headersTimeoutMs: e.I2V_HEADERS_TIMEOUT_S * 1000,
    requestTimeoutMs: Math.max(e.I2V_REQUEST_TIMEOUT_S, e.I2V_HEADERS_TIMEOUT_S) * 1000,
    logLevel: e.I2V_LOG_LEVEL,
    /** PEM files: with both set the port serves HTTPS only (runtime/src/server/tls.ts). */
    tls: e.I2V_TLS_CERT && e.I2V_TLS_KEY ? { certFile: e.I2V_TLS_CERT, keyFile: e.I2V_TLS_KEY } : undefined,
    /** Completion webhooks (runtime/src/webhooks): signing secret, SSRF exceptions, retries. */
    webhooks: {
      secret: e.I2V_WEBHOOK_SECRET,
      allow: allowList.allow,
      retryDelaysMs: e.I2V_WEBHOOK_RETRY_S.split(",").map((s) => Number(s.trim()) * 1000),
      timeoutMs: e.I2V_WEBHOOK_TIMEOUT_S * 1000,
      progressIntervalMs: 2000,
    },
    ...scaleOutConfig(e),
  };
}

/** The role and what a scaled-out process shares; `all` without a queue URL is the single box. */
function scaleOutConfig(e: z.infer<typeof envSchema>) {
  if (e.I2V_ROLE === "all" && (e.I2V_QUEUE_URL || e.I2V_STORAGE)) {
    throw Object.assign(
      new Error("I2V_QUEUE_URL and I2V_STORAGE are for I2V_ROLE=api and I2V_ROLE=worker."),
      {
        hint: "The single box (I2V_ROLE=all) keeps its embedded queue in I2V_DATA_DIR: unset them, or run an api and worker processes (docs/scale-out.md).",
      },
    );
  }
  if (e.I2V_ROLE !== "all" && !e.I2V_QUEUE_URL) {
    throw Object.assign(
      new Error(`I2V_ROLE=${e.I2V_ROLE} needs a shared queue, and I2V_QUEUE_URL is not set.`),
      {
        hint: "Set I2V_QUEUE_URL=redis://host:6379 (the same for the API and every worker), or use I2V_ROLE=all.",
      },
    );
  }
  if (e.I2V_ROLE !== "all" && !e.I2V_STORAGE) {
    throw Object.assign(
      new Error(`I2V_ROLE=${e.I2V_ROLE} needs shared storage, and I2V_STORAGE is not set.`),
      {
        hint: "Set I2V_STORAGE=s3://bucket/prefix, or file:///dir on a folder every process shares.",
      },
    );
  }
  return {
    role: e.I2V_ROLE,
    queueUrl: e.I2V_QUEUE_URL,
    storageUrl: e.I2V_STORAGE,
    leaseMs: e.I2V_LEASE_S * 1000,
    jobAttempts: e.I2V_JOB_ATTEMPTS,
    workerId: e.I2V_WORKER_ID ?? `${os.hostname()}-${process.pid}`,
    metricsNamespace: e.I2V_METRICS_NAMESPACE,
    stack: e.I2V_STACK,
  };
}
