import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { I2vError } from "../errors.ts";
import { JOB_ID_PATTERN, type Job, TERMINAL } from "../jobs/job.ts";
import type { Storage } from "../storage/port.ts";
import { writeFileDurable } from "../util/durable-write.ts";
import type { Outbox } from "../webhooks/dispatcher.ts";

/**
 * The single box's job records: one JSON file per job in `<data>/jobs` (written to a temporary
 * name and renamed, so a crash never leaves a torn record), all of them also held in memory. The
 * input and the video live in the storage port (storage/directory.ts owns that layout).
 * Everything accepted is on disk before the API answers, so a restart loses nothing.
 */
export class JobFiles {
  private readonly jobs = new Map<string, Job>();
  /** The last write queued per file: writes to one file run in call order, one at a time. */
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(readonly dir: string) {}

  static async open(dataDir: string): Promise<JobFiles> {
    const store = new JobFiles(dataDir);
    await mkdir(path.join(dataDir, "jobs"), { recursive: true });
    for (const file of await readdir(path.join(dataDir, "jobs"))) {
      if (!file.endsWith(".json")) {
        if (file.includes(".tmp-")) await rm(path.join(dataDir, "jobs", file), { force: true }); // torn write
        continue;
      }
      try {
        const job = JSON.parse(await readFile(path.join(dataDir, "jobs", file), "utf8")) as Job;
        if (JOB_ID_PATTERN.test(job.id)) store.jobs.set(job.id, job);
      } catch {
        // An unreadable record cannot be recovered; leave the file for inspection.
      }
    }
    return store;
  }

  get(id: string): Job | undefined {
    return JOB_ID_PATTERN.test(id) ? this.jobs.get(id) : undefined;
  }

  findByClientId(clientId: string): Job | undefined {
    for (const job of this.jobs.values()) if (job.client_id === clientId) return job;
    return undefined;
  }

  /** Newest first. */
  list(limit = 20): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, limit);
  }

  all(): Job[] {
    return [...this.jobs.values()];
  }

  async save(job: Job): Promise<void> {
    this.jobs.set(job.id, job);
    await this.writeAtomic(path.join(this.dir, "jobs", `${job.id}.json`), JSON.stringify(job));
  }

  /**
   * Removes finished jobs older than `maxAgeMs`, then the oldest finished ones until their videos
   * fit in `maxBytes`. Queued and running jobs are never removed.
   */
  async prune(storage: Storage, maxAgeMs: number, maxBytes: number, now = Date.now()): Promise<string[]> {
    const finished = this.all()
      .filter((j) => TERMINAL.has(j.status))
      .sort((a, b) => (a.finished_at ?? a.created_at).localeCompare(b.finished_at ?? b.created_at));
    const removed: string[] = [];
    const sizes = new Map<string, number>();
    for (const job of finished) sizes.set(job.id, (await storage.videoSize(job.id)) ?? 0);
    let total = [...sizes.values()].reduce((a, b) => a + b, 0);
    for (const job of finished) {
      const age = now - Date.parse(job.finished_at ?? job.created_at);
      if (age > maxAgeMs || total > maxBytes) {
        total -= sizes.get(job.id) ?? 0;
        this.jobs.delete(job.id);
        await rm(path.join(this.dir, "jobs", `${job.id}.json`), { force: true });
        await storage.remove(job.id);
        removed.push(job.id);
      }
    }
    return removed;
  }

  /**
   * Writes to one file are chained: the queue saves progress without waiting and then the end
   * state, and overlapping writes shared one temporary name (a rename failed with ENOENT) or
   * could land out of order (a stale `running` after `succeeded`).
   */
  private writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
    const previous = this.writes.get(file) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.writeNow(file, data));
    this.writes.set(file, next);
    next
      .finally(() => {
        if (this.writes.get(file) === next) this.writes.delete(file);
      })
      .catch(() => undefined);
    return next;
  }

  private async writeNow(file: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileDurable(file, data);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new I2vError(
        "storage_failed",
        `Could not write ${path.basename(file)}: ${code ?? (error as Error).message}`,
      );
    }
  }
}

/**
 * The single box's webhook outbox: the deliveries on each job's record. One process owns the
 * files, so a claim always succeeds; the dispatcher and the runner share the same job objects.
 */
export function jobFilesOutbox(files: JobFiles): Outbox {
  return {
    async pendingJobs() {
      return files
        .all()
        .filter((j) => j.webhook?.deliveries.some((d) => d.state === "pending"))
        .map((j) => j.id);
    },
    async read(jobId) {
      return files.get(jobId)?.webhook ?? undefined;
    },
    async claim() {
      return true;
    },
    async release() {},
    async settle(jobId, delivery) {
      const job = files.get(jobId);
      const stored = job?.webhook?.deliveries.find((d) => d.id === delivery.id);
      if (!job || !stored) return;
      Object.assign(stored, delivery);
      await files.save(job);
    },
  };
}
