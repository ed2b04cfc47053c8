import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { JobList } from "../../contract/index.ts";
import { I2vError } from "../../errors.ts";
import { type Job, TERMINAL, toPublic } from "../../jobs/job.ts";
import { modelDefaults, outputSizeFor, presetsFor } from "../../pipeline/family.ts";
import { inspectImage } from "../../pipeline/image-input.ts";
import { resolveParams } from "../../pipeline/params.ts";
import { takeWebhook } from "../../webhooks/request.ts";
import { readJobRequest } from "../job-request.ts";
import type { LoadedParts, Service } from "../service.ts";
import { verifyImageDecodes } from "../verify-image.ts";

/** The job routes: create, read, list, follow (SSE), cancel, and fetch the video. */
export function jobRoutes(service: Service): Hono {
  const app = new Hono();
  const ready = (): LoadedParts => {
    if (!service.loaded) throw new I2vError("model_not_ready", "The model is still loading.");
    return service.loaded;
  };
  const find = async (id: string): Promise<Job> => {
    const job = await service.jobs.get(id);
    if (!job) throw new I2vError("not_found", `No job ${id}.`);
    return job;
  };
  const view = async (job: Job) =>
    toPublic(job, job.status === "queued" ? await service.jobs.position(job.id) : null);

  app.post("/", async (c) => {
    const { admission, manifest } = ready();
    const queue = service.jobs;
    const request = await readJobRequest(c);
    if (request.clientId) {
      const existing = await service.jobs.findByClientId(request.clientId);
      if (existing) {
        if (existing.request_digest !== request.digest) {
          throw new I2vError("conflict", `client_id ${request.clientId} was used for a different request.`, {
            job_id: existing.id,
          });
        }
        return c.json(await view(existing), 200);
      }
    }
    const webhook = takeWebhook(request.fields, service.config.webhooks);
    const params = resolveParams(request.fields, modelDefaults(manifest), presetsFor(manifest));
    const source = await inspectImage(request.image, service.config.imageLimits);
    const size = outputSizeFor(manifest, source, params);
    await queue.assertAccepting();
    // After the cheap checks, so a full queue does not pay for decoding what it will refuse.
    await verifyImageDecodes(request.image, service.config.imageLimits);
    const estimatedMb = await admission.admit(size.width, size.height, params.num_frames);
    const job: Job = {
      id: randomUUID(),
      client_id: request.clientId,
      status: "queued",
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
      params,
      size,
      estimated_mb: estimatedMb,
      progress: null,
      timings: null,
      result: null,
      error: null,
      attempts: 0,
      request_digest: request.digest,
      webhook,
    };
    await queue.submit(job, request.image, request.fields);
    c.header("Location", `/v1/jobs/${job.id}`);
    return c.json(await view(job), 202);
  });

  app.get("/", async (c) => {
    const limit = listLimit(c.req.query("limit"));
    return c.json({ jobs: await Promise.all((await service.jobs.list(limit)).map(view)) } satisfies JobList);
  });

  app.get("/:id", async (c) => c.json(await view(await find(c.req.param("id")))));

  app.post("/:id/cancel", async (c) => {
    const job = await find(c.req.param("id"));
    return c.json(await view((await service.jobs.cancel(job.id)) ?? job));
  });

  app.get("/:id/events", async (c) => {
    const job = await find(c.req.param("id"));
    const queue = service.loaded ? service.jobs : undefined;
    return streamSSE(c, async (stream) => {
      const send = async (event: string, current: Job) =>
        stream.writeSSE({ event, data: JSON.stringify(await view(current)) });
      await send(job.status === "running" ? "started" : job.status, job);
      if (TERMINAL.has(job.status) || !queue) return;
      let lastStatus = job.status;
      // Writes are chained so events keep their order and the last one is flushed before closing.
      let writes = Promise.resolve();
      await new Promise<void>((resolve) => {
        const onUpdate = (updated: Job) => {
          if (updated.id !== job.id) return;
          const event =
            updated.status !== lastStatus
              ? updated.status === "running"
                ? "started"
                : updated.status
              : "progress";
          lastStatus = updated.status;
          const snapshot = structuredClone(updated);
          writes = writes.then(() => send(event, snapshot));
          if (TERMINAL.has(updated.status)) void writes.then(finish);
        };
        const heartbeat = setInterval(() => void stream.writeSSE({ event: "ping", data: "{}" }), 15_000);
        const finish = () => {
          clearInterval(heartbeat);
          queue.off("update", onUpdate);
          resolve();
        };
        queue.on("update", onUpdate);
        stream.onAbort(finish);
      });
    });
  });

  app.get("/:id/video", async (c) => {
    const job = await find(c.req.param("id"));
    if (job.status !== "succeeded")
      throw new I2vError("not_ready", `Job ${job.id} is ${job.status}; its video is not available.`);
    const size = await service.storage.videoSize(job.id);
    if (size === undefined) throw new I2vError("not_found", `The video of job ${job.id} was removed.`);
    const range = parseRange(c.req.header("range"), size);
    c.header("Content-Type", "video/mp4");
    c.header("Accept-Ranges", "bytes");
    c.header("Content-Disposition", `inline; filename="${job.id}.mp4"`);
    if (range === "invalid") {
      c.header("Content-Range", `bytes */${size}`);
      return c.body(null, 416);
    }
    const [start, end] = range ?? [0, size - 1];
    c.header("Content-Length", String(end - start + 1));
    if (range) c.header("Content-Range", `bytes ${start}-${end}/${size}`);
    return c.body(await service.storage.readVideo(job.id, start, end), range ? 206 : 200);
  });

  return app;
}

/** `?limit=`: 1 to 100 jobs, 20 when absent; anything else is refused, not quietly replaced. */
function listLimit(text: string | undefined): number {
  if (text === undefined) return 20;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 100) {
    throw new I2vError(
      "invalid_parameters",
      `limit must be a whole number from 1 to 100 (got ${JSON.stringify(text)}).`,
      {
        problems: [`limit: must be a whole number from 1 to 100 (got ${JSON.stringify(text)})`],
      },
    );
  }
  return limit;
}

/** A single `bytes=a-b` range (the form browsers send for media), or undefined for the whole file. */
function parseRange(header: string | undefined, size: number): [number, number] | "invalid" | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (!match[1] && !match[2])) return "invalid";
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  return start > end || start >= size ? "invalid" : [start, end];
}
