import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Redis } from "ioredis";
import sharp from "sharp";
import { startMoto, type TestMoto } from "../support/moto-server.ts";
import { startRedis, type TestRedis } from "../support/redis-server.ts";
import { startService, type TestService } from "../support/service.ts";

export type JobView = Record<string, unknown> & {
  id: string;
  status: string;
  worker_id?: string | null;
  error?: { code: string } | null;
};

/** Small jobs (well under a second on the demo model) and a long one (seconds, many steps). */
export const TINY = { preset: "quick", resolution: 64, num_frames: 4, num_inference_steps: 4, prompt: "a" };
export const LONG = {
  preset: "quick",
  resolution: 128,
  num_frames: 8,
  num_inference_steps: 150,
  prompt: "a",
};
export const MEDIUM = {
  preset: "quick",
  resolution: 64,
  num_frames: 4,
  num_inference_steps: 40,
  prompt: "a",
};

/** Short lease so a killed worker's job comes back within seconds (production: 20 s). */
export const TEST_LEASE_S = 3;

/**
 * One API and any number of workers as `npm start` processes (test/support/service.ts) over a
 * real redis-server and, for `s3`, moto's real S3 server.
 */
export class Cluster {
  readonly workers = new Map<string, TestService>();
  api!: TestService;
  redis!: TestRedis;
  moto: TestMoto | undefined;
  private db!: Redis;
  env: Record<string, string> = {};

  static async start(storage: "file" | "s3", extraEnv: Record<string, string> = {}): Promise<Cluster> {
    const cluster = new Cluster();
    cluster.redis = await startRedis();
    let storageUrl = `file://${mkdtempSync(path.join(os.tmpdir(), "i2v-shared-"))}`;
    if (storage === "s3") {
      cluster.moto = await startMoto();
      const bucket = "i2v-test";
      await new S3Client({
        endpoint: cluster.moto.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      }).send(new CreateBucketCommand({ Bucket: bucket }));
      storageUrl = `s3://${bucket}/jobs`;
    }
    cluster.env = {
      I2V_QUEUE_URL: cluster.redis.url,
      I2V_STORAGE: storageUrl,
      I2V_LEASE_S: String(TEST_LEASE_S),
      I2V_THREADS: "1",
      I2V_LOG_LEVEL: "info",
      ...(cluster.moto?.env ?? {}),
      ...extraEnv,
    };
    cluster.db = new Redis(cluster.redis.url, { maxRetriesPerRequest: null });
    cluster.db.on("error", () => undefined);
    await cluster.startApi();
    return cluster;
  }

  async startApi(): Promise<TestService> {
    this.api = await startService({ env: { ...this.env, I2V_ROLE: "api" } });
    return this.api;
  }

  /** Everything every worker process printed, including those already gone. */
  private readonly exited: string[] = [];

  workersOutput(): string {
    return [...this.exited, ...[...this.workers.values()].map((w) => w.output())].join("\n");
  }

  async startWorker(id: string, env: Record<string, string> = {}): Promise<TestService> {
    const previous = this.workers.get(id);
    if (previous) this.exited.push(previous.output());
    const worker = await startService({
      env: { ...this.env, I2V_ROLE: "worker", I2V_WORKER_ID: id, ...env },
    });
    this.workers.set(id, worker);
    return worker;
  }

  /** A job request: a small PNG and the fields. */
  async form(fields: Record<string, string | number>): Promise<FormData> {
    const body = new FormData();
    const image = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#2060c0" } })
      .png()
      .toBuffer();
    body.set("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "input.png");
    for (const [key, value] of Object.entries(fields)) body.set(key, String(value));
    return body;
  }

  async submit(fields: Record<string, string | number>): Promise<JobView> {
    const body = await this.form(fields);
    const response = await fetch(`${this.api.url}/v1/jobs`, { method: "POST", body });
    if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
    return (await response.json()) as JobView;
  }

  async job(id: string): Promise<JobView> {
    return (await (await fetch(`${this.api.url}/v1/jobs/${id}`)).json()) as JobView;
  }

  /** The stored record, with the internal fields the API hides (attempts). */
  async record(id: string): Promise<JobView & { attempts: number }> {
    return JSON.parse((await this.db.hget("i2v:records", id)) as string);
  }

  async waitFor(id: string, done: (job: JobView) => boolean, timeoutMs = 60_000): Promise<JobView> {
    const until = Date.now() + timeoutMs;
    let last: JobView | undefined;
    while (Date.now() < until) {
      last = await this.job(id).catch(() => last);
      if (last && done(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${id} not as expected after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }

  waitDone(id: string, timeoutMs = 90_000): Promise<JobView> {
    return this.waitFor(id, (j) => ["succeeded", "failed", "canceled"].includes(j.status), timeoutMs);
  }

  /** The video as the API serves it. */
  async video(id: string): Promise<{ status: number; bytes: Buffer }> {
    const response = await fetch(`${this.api.url}/v1/jobs/${id}/video`);
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.workers.values()].map((w) => w.stop("SIGKILL")));
    await this.api?.stop("SIGKILL");
    this.db?.disconnect();
    await this.redis?.stop();
    await this.moto?.stop();
  }
}

/** An MP4 starts with an `ftyp` box. */
export function isMp4(bytes: Buffer): boolean {
  return bytes.length > 100 && bytes.subarray(4, 8).toString("latin1") === "ftyp";
}
