import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { deadline } from "../runtime/src/util/deadline.ts";
import { sleep } from "../runtime/src/util/sleep.ts";
import { ApiClient } from "./api-client.ts";
import { apiErrorFrom, ClientError } from "./api-error.ts";
import { type FollowMethod, followJob } from "./follow-job.ts";
import { isLoopback, parseServiceUrl } from "./service-url.ts";
import { type Phase, phasesOf } from "./smoke-phases.ts";
import { trustAgent } from "./tls-trust.ts";
import type { Job } from "./types.ts";
import { type VideoCheck, verifyVideo } from "./verify-video.ts";
import { waitReady } from "./wait-ready.ts";

/** The photo the smoke test sends unless told otherwise (a real photograph, 512x512). */
export const DEFAULT_SMOKE_IMAGE = fileURLToPath(new URL("../test/fixtures/astronaut.png", import.meta.url));

export interface SmokeOptions {
  /** Base URL of the runtime, e.g. http://localhost:7860. */
  url: string;
  /** Bearer token, when the deployment has one. */
  token?: string;
  /** PEM file of the CA to trust (the deployment's private CA): only that CA is trusted. */
  caFile?: string;
  /** Photo to send (default DEFAULT_SMOKE_IMAGE). */
  image?: string;
  /** Prompt (default "zoom in": the demo model understands it). */
  prompt?: string;
  /** Preset (default "quick"). */
  preset?: string;
  /** Limit for the whole run, readiness wait included (seconds, default 600). */
  timeoutS?: number;
  /** Lowest accepted PSNR of frame 0 against the input (dB, default 25). */
  minPsnrDb?: number;
  /** Keep the downloaded MP4 (its path is in the report); it is always kept when a check fails. */
  keepVideo?: boolean;
  /** Progress lines, for a CLI. */
  log?(line: string): void;
  signal?: AbortSignal;
}

export interface SmokeReport {
  url: string;
  job: Job;
  followedBy: FollowMethod;
  video: { path: string | null; bytes: number; psnrDb: number; checks: VideoCheck[] };
  /** Time to first video, phase by phase (ms), in the order they happened. */
  phases: Phase[];
  /** Wall-clock from the start until the video was downloaded (ms). */
  timeToFirstVideoMs: number;
  totalMs: number;
}

/** A failed smoke test: `code` says which step failed; `report` holds what was learned before. */
export class SmokeError extends ClientError {
  constructor(
    code: string,
    message: string,
    hint: string,
    readonly report?: Partial<SmokeReport>,
  ) {
    super(code, message, hint);
    this.name = "SmokeError";
  }
}

/**
 * One real generation against a running runtime, verified end to end: ready, upload, progress,
 * download, and a video that browsers play and that starts from the photo sent. Resolves with the
 * report when every check passes; rejects with a ClientError (a SmokeError or the API's own error,
 * each with a hint) otherwise. Used by `npm run smoke`, the image bake tests and the deploy.
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const log = options.log ?? (() => {});
  const timeoutMs = (options.timeoutS ?? 600) * 1000;
  const serviceUrl = parseServiceUrl(options.url);
  const client = new ApiClient(options.url, options.token, await trustAgent(options.caFile, options.url));
  const imagePath = options.image ?? DEFAULT_SMOKE_IMAGE;
  const image = await readImage(imagePath);
  // Created after the last step that can throw outside the try, so the finally always disposes it.
  const overall = deadline(timeoutMs, options.signal);
  const signal = overall.signal;
  const started = performance.now();
  const mark = (() => {
    let last = started;
    return () => {
      const now = performance.now();
      const elapsed = now - last;
      last = now;
      return elapsed;
    };
  })();
  try {
    log(`waiting for ${client.url("/readyz")}`);
    // A runtime on this machine listens before it loads its model: refusals there mean it is not
    // running, so they end the wait in seconds; a remote box may still be booting.
    await waitReady(client, timeoutMs, signal, 500, {
      ...(isLoopback(serviceUrl) ? { refusedGraceMs: LOCAL_START_GRACE_MS } : {}),
      onWait: log,
    });
    const readyMs = mark();
    log(`ready after ${(readyMs / 1000).toFixed(1)} s`);

    const created = await submit(client, image, imagePath, options, signal, log);
    const uploadMs = mark();
    log(
      `job ${created.id} ${created.status}${created.queue_position ? ` (position ${created.queue_position})` : ""}`,
    );

    const { job, method } = await followJob(client, created, { signal, onUpdate: progressLogger(log) });
    mark();
    if (job.status !== "succeeded") {
      const e = job.error;
      throw new SmokeError(
        job.status === "canceled" ? "job_canceled" : "job_failed",
        `Job ${job.id} ${job.status}${e ? `: ${e.code}: ${e.message}` : ""}`,
        e?.hint ?? "Check the service's log for this job id.",
        { url: client.baseUrl, job, followedBy: method },
      );
    }
    if (!job.result || !job.video_url) {
      throw new SmokeError("bad_job", `Job ${job.id} succeeded without a result or video_url.`, bugHint, {
        job,
      });
    }

    const dir = await mkdtemp(path.join(tmpdir(), "i2v-smoke-"));
    const videoPath = path.join(dir, `${job.id}.mp4`);
    await download(client, job.video_url, videoPath, signal);
    const downloadMs = mark();
    const timeToFirstVideoMs = performance.now() - started;
    const bytes = (await stat(videoPath)).size;
    log(`downloaded ${Math.round(bytes / 1024)} KiB in ${Math.round(downloadMs)} ms`);

    const verdict = await verifyVideo(videoPath, {
      width: job.result.width,
      height: job.result.height,
      frames: job.params.num_frames,
      fps: job.params.target_fps,
      image,
      minPsnrDb: options.minPsnrDb ?? 25,
    });
    // Safari will not play a video whose server ignores Range; a proxy in front can break it.
    verdict.checks.push(await rangeCheck(client, job.video_url, bytes, signal));
    verdict.ok = verdict.checks.every((c) => c.ok);
    const verifyMs = mark();
    const report: SmokeReport = {
      url: client.baseUrl,
      job,
      followedBy: method,
      video: { path: videoPath, bytes, psnrDb: verdict.psnrDb, checks: verdict.checks },
      phases: phasesOf(job, { readyMs, uploadMs, downloadMs, verifyMs }),
      timeToFirstVideoMs,
      totalMs: performance.now() - started,
    };
    if (!verdict.ok) {
      const failed = verdict.checks.filter((c) => !c.ok);
      throw new SmokeError(
        "video_invalid",
        `The video is wrong: ${failed.map((c) => `${c.name} is ${c.actual}, expected ${c.expected}`).join("; ")}.`,
        `The video is kept at ${videoPath} for inspection (ffprobe, a player). Check the model and the encoder settings.`,
        report,
      );
    }
    if (!options.keepVideo) {
      await rm(dir, { recursive: true, force: true });
      report.video.path = null;
    }
    return report;
  } catch (error) {
    if (signal.aborted && !options.signal?.aborted && !(error instanceof SmokeError)) {
      throw new SmokeError(
        "timeout",
        `The smoke test did not finish within ${Math.round(timeoutMs / 1000)} s.`,
        "Raise --timeout for a slow first start, or check the service's log for a stuck job.",
      );
    }
    throw error;
  } finally {
    overall.dispose();
  }
}

/** How long a local runtime may take from `npm start` to listening (tsx and Node start-up). */
const LOCAL_START_GRACE_MS = 10_000;

const bugHint = "This breaks the API contract (docs/api.md); please report it with the job id.";

/** POST the photo; waits out a full queue (429 with Retry-After) until the deadline. */
async function submit(
  client: ApiClient,
  image: Uint8Array,
  imagePath: string,
  options: SmokeOptions,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<Job> {
  const fields = {
    prompt: options.prompt ?? "zoom in",
    preset: options.preset ?? "quick",
    // One id for every retry: a retried POST must not start a second generation.
    client_id: `smoke-${randomUUID()}`,
  };
  for (;;) {
    try {
      return (await client.createJob(image, path.basename(imagePath), fields, signal)).job;
    } catch (error) {
      const retryAfterS = (error as { retryAfterS?: number }).retryAfterS;
      if ((error as ClientError).code !== "queue_full") throw error;
      log(`queue full; retrying in ${retryAfterS ?? 5} s`);
      await sleep(Math.min(30, retryAfterS ?? 5) * 1000, signal);
    }
  }
}

async function download(client: ApiClient, videoUrl: string, file: string, signal: AbortSignal) {
  const response = await client.fetch(videoUrl, { signal });
  if (!response.ok || !response.body) throw await apiErrorFrom(response, `GET ${videoUrl}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("video/mp4")) {
    throw new SmokeError(
      "bad_video_response",
      `GET ${videoUrl} answered Content-Type ${type || "(none)"}.`,
      bugHint,
    );
  }
  await pipeline(Readable.fromWeb(response.body as never), createWriteStream(file), { signal });
}

/** Asks for the last 100 bytes: a server that supports Range answers 206 with a Content-Range. */
async function rangeCheck(client: ApiClient, videoUrl: string, size: number, signal: AbortSignal) {
  const from = Math.max(0, size - 100);
  const response = await client.fetch(videoUrl, { headers: { range: `bytes=${from}-` }, signal });
  const body = await response.arrayBuffer();
  const contentRange = response.headers.get("content-range");
  const expected = `206, bytes ${from}-${size - 1}/${size}`;
  const ok =
    response.status === 206 &&
    contentRange === `bytes ${from}-${size - 1}/${size}` &&
    body.byteLength === size - from;
  return {
    name: "range request",
    ok,
    expected,
    actual: `${response.status}, ${contentRange ?? "no Content-Range"}`,
  };
}

async function readImage(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new ClientError(
      "invalid_image",
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      "Pass an existing PNG, JPEG or WebP photo with --image.",
    );
  }
}

/** Logs stage changes and every quarter of the denoising loop, not every step. */
function progressLogger(log: (line: string) => void) {
  let lastKey = "";
  return (job: Job) => {
    const p = job.progress;
    const quarter = p && p.steps > 0 ? Math.floor((4 * p.step) / p.steps) : 0;
    const key = `${job.status}:${p?.stage ?? ""}:${quarter}`;
    if (key === lastKey) return;
    lastKey = key;
    if (job.status === "queued")
      log(`queued${job.queue_position ? ` at position ${job.queue_position}` : ""}`);
    else if (job.status === "running" && p) log(`running ${p.stage} ${p.step}/${p.steps}`);
    else log(job.status === "running" ? "started" : job.status);
  };
}
