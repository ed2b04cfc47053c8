import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, test } from "vitest";
import type { Job } from "../../src/jobs/job.ts";
import { JobFiles } from "../../src/queue/job-files.ts";
import { tempDir } from "../support/demo.ts";

/**
 * The queue saves a running job's progress without waiting (at most once a second) and then its
 * end state; under load those writes overlap. Found by the load test: a succeeded job was failed
 * with storage_failed (ENOENT on the shared temporary file), and a late progress write could put
 * `running` back on disk after the final state.
 */
describe("job store under overlapping writes", () => {
  test("overlapping saves of one job all succeed and the last one wins on disk", async () => {
    const store = await JobFiles.open(tempDir("i2v-store-"));
    const job = { id: "0b7e4a52-52d7-4a8c-9f44-2f1d8d7a0c11", status: "queued" } as unknown as Job;
    await store.save(job);
    const saves: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) {
      saves.push(
        store.save({
          ...job,
          status: i === 49 ? "succeeded" : "running",
          progress: { step: i },
        } as unknown as Job),
      );
    }
    const results = await Promise.allSettled(saves);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const onDisk = JSON.parse(await readFile(path.join(store.dir, "jobs", `${job.id}.json`), "utf8")) as Job;
    expect(onDisk.status).toBe("succeeded");
    expect(onDisk.progress).toEqual({ step: 49 });
  });
});
