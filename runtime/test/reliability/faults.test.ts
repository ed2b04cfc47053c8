import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startService, type TestService } from "../../../test/support/service.ts";
import type { RunningService } from "../../src/server/start.ts";
import { form, inProcessService, TINY, waitForJob } from "../server/helpers.ts";
import { tempDir } from "../support/demo.ts";
import { demoModelCopy, faultyFfmpeg, modelWithFailingUnet } from "./faulty.ts";
import { goodImage } from "./inputs.ts";
import { type ErrorBody, recordFigures, waitUntil } from "./support.ts";

/**
 * Faults injected into a running service. Each must end its job with a clear error (or requeue
 * it), lose no accepted job, and leave the service serving: a good job runs right after.
 * `kill -9` mid-job is covered in runtime/test/server/lifecycle.test.ts.
 */
type JobView = { id: string; status: string; error: { code: string; message: string } | null };
type Requester = (p: string, init?: RequestInit) => Promise<Response>;

const injected: Array<{ fault: string; outcome: string; next_job: string }> = [];
let accepted = 0;
let finished = 0;
afterAll(() =>
  recordFigures("faults", {
    faults_injected: injected.length,
    accepted,
    finished,
    lost: accepted - finished,
    injected,
  }),
);

async function submit(request: Requester, fields: Record<string, string | number> = TINY): Promise<JobView> {
  const response = await request("/v1/jobs", { method: "POST", body: form(await goodImage(), fields) });
  expect(response.status).toBe(202);
  accepted += 1;
  return (await response.json()) as JobView;
}

/** Submits, waits for the end, and counts the job as finished (not lost) once it is terminal. */
async function run(request: Requester, fields: Record<string, string | number> = TINY): Promise<JobView> {
  const job = await submit(request, fields);
  const done = (await waitForJob(request, job.id, 120_000)) as unknown as JobView;
  finished += 1;
  return done;
}

function over(service: TestService): Requester {
  return (p, init) => fetch(`${service.url}${p}`, init);
}

function inProcess(running: RunningService): Requester {
  return (p, init) => Promise.resolve(running.app.request(p, init));
}

describe("fault injection", () => {
  test("ffmpeg missing, crashing mid-encode, then hung: each job ends with a clear error; then a good job", async () => {
    const dir = tempDir("i2v-ffmpeg-");
    const ffmpeg = path.join(dir, "ffmpeg");
    const mode = path.join(dir, "mode");
    // findTool caches what it finds per process: a fresh service process for this case. The
    // deadline is short so the hung encoder is stopped by it within the test.
    const service = await startService({ env: { I2V_FFMPEG: ffmpeg, I2V_JOB_DEADLINE_S: "8" } });
    try {
      const request = over(service);
      const missing = await run(request);
      expect(missing.status).toBe("failed");
      expect(missing.error?.code).toBe("encode_failed");
      expect(missing.error?.message).toMatch(/not found/);
      injected.push({
        fault: "ffmpeg missing (I2V_FFMPEG points nowhere)",
        outcome: `failed: ${missing.error?.code}`,
        next_job: "",
      });

      await faultyFfmpeg(ffmpeg, mode);
      await writeFile(mode, "crash");
      const crashed = await run(request);
      expect(crashed.status).toBe("failed");
      expect(crashed.error?.code).toBe("encode_failed");
      expect(crashed.error?.message).toMatch(/SIGSEGV/);
      injected.push({
        fault: "ffmpeg killed by SIGSEGV mid-encode",
        outcome: `failed: ${crashed.error?.code}`,
        next_job: "",
      });

      await writeFile(mode, "hang");
      const hung = await run(request);
      expect(hung.status).toBe("failed");
      expect(hung.error?.code).toBe("deadline_exceeded");
      injected.push({
        fault: "ffmpeg hung (stops reading, never exits)",
        outcome: `failed: ${hung.error?.code}`,
        next_job: "",
      });
      expect(await readdir(path.join(service.dataDir, "videos"))).toEqual([]);

      await rm(mode);
      const good = await run(request);
      expect(good.status).toBe("succeeded");
      for (const entry of injected.slice(-3)) entry.next_job = good.status;
      const log = await readFile(path.join(service.dataDir, "jobs.log"), "utf8");
      for (const job of [missing, crashed, hung, good]) expect(log).toContain(job.id);
    } finally {
      await service.stop();
    }
  }, 240_000);

  test("ONNX Runtime fails mid-job: inference_failed, and the next job runs on the same sessions", async () => {
    const running = await inProcessService({ I2V_MODEL: await modelWithFailingUnet() });
    try {
      const request = inProcess(running);
      const failed = await run(request, { ...TINY, num_frames: 4 });
      expect(failed.status).toBe("failed");
      expect(failed.error?.code).toBe("inference_failed");
      expect(failed.error?.message).toMatch(/unet/i);
      const good = await run(request, { ...TINY, num_frames: 2 });
      expect(good.status).toBe("succeeded");
      injected.push({
        fault: "ONNX Runtime error in the UNet mid-job",
        outcome: `failed: ${failed.error?.code}`,
        next_job: good.status,
      });
    } finally {
      await running.shutdown();
    }
  }, 240_000);

  test("results folder unusable: the job fails with a clear code and stays listed; a full inputs folder refuses with 507", async () => {
    const running = await inProcessService({ I2V_QUEUE_CAPACITY: "1" });
    const dataDir = running.service.config.dataDir;
    try {
      const request = inProcess(running);
      // No tmpfs to fill here: a file where the videos folder should be fails every write into it.
      await rm(path.join(dataDir, "videos"), { recursive: true });
      await writeFile(path.join(dataDir, "videos"), "not a folder");
      const failed = await run(request);
      expect(failed.status).toBe("failed");
      expect(["encode_failed", "storage_failed"]).toContain(failed.error?.code);
      const onDisk = JSON.parse(
        await readFile(path.join(dataDir, "jobs", `${failed.id}.json`), "utf8"),
      ) as JobView;
      expect(onDisk.status).toBe("failed");
      await rm(path.join(dataDir, "videos"));
      await mkdir(path.join(dataDir, "videos"));
      const good = await run(request);
      expect(good.status).toBe("succeeded");
      injected.push({
        fault: "results folder unwritable during a job",
        outcome: `failed: ${failed.error?.code}`,
        next_job: good.status,
      });

      // Uploads cannot be stored: refused before acceptance, and the refused requests hold no queue slot.
      await rm(path.join(dataDir, "inputs"), { recursive: true });
      await writeFile(path.join(dataDir, "inputs"), "not a folder");
      for (let i = 0; i < 3; i++) {
        const response = await request("/v1/jobs", { method: "POST", body: form(await goodImage(), TINY) });
        expect(response.status).toBe(507);
        expect(((await response.json()) as ErrorBody).error.code).toBe("storage_failed");
      }
      const listed = (await (await request("/v1/jobs")).json()) as { jobs: JobView[] };
      expect(listed.jobs.map((j) => j.id).sort()).toEqual([failed.id, good.id].sort());
      await rm(path.join(dataDir, "inputs"));
      await mkdir(path.join(dataDir, "inputs"));
      const after = await run(request);
      expect(after.status).toBe("succeeded");
      injected.push({
        fault: "inputs folder unwritable at submission (x3)",
        outcome: "refused: 507 storage_failed",
        next_job: after.status,
      });
    } finally {
      await running.shutdown();
    }
  }, 240_000);

  test("SIGHUP with a broken model folder: the reload fails and the previous model keeps serving", async () => {
    const model = await demoModelCopy();
    const service = await startService({ env: { I2V_MODEL: model } });
    try {
      const request = over(service);
      const manifest = path.join(model, "manifest.json");
      const original = await readFile(manifest, "utf8");
      const reloadFailures = () => service.output().split("reload failed").length - 1;

      await writeFile(manifest, original.slice(0, original.length / 2));
      service.process.kill("SIGHUP");
      await waitUntil(() => reloadFailures() === 1);
      const afterBadManifest = await run(request);
      expect(afterBadManifest.status).toBe("succeeded");
      injected.push({
        fault: "SIGHUP with a truncated manifest.json",
        outcome: "reload failed, old model kept",
        next_job: afterBadManifest.status,
      });

      await writeFile(manifest, original);
      await rm(path.join(model, "unet", "model.onnx"));
      service.process.kill("SIGHUP");
      await waitUntil(() => reloadFailures() === 2);
      const afterMissingFile = await run(request);
      expect(afterMissingFile.status).toBe("succeeded");
      injected.push({
        fault: "SIGHUP with the UNet file removed",
        outcome: "reload failed, old model kept",
        next_job: afterMissingFile.status,
      });

      await demoModelCopy()
        .then((fresh) => readFile(path.join(fresh, "unet", "model.onnx")))
        .then((bytes) => writeFile(path.join(model, "unet", "model.onnx"), bytes));
      service.process.kill("SIGHUP");
      await waitUntil(() => service.output().includes("model reloaded"));
      expect((await run(request)).status).toBe("succeeded");
      expect(existsSync(path.join(service.dataDir, "jobs.log"))).toBe(true);
    } finally {
      await service.stop();
    }
  }, 240_000);
});
