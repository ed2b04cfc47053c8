import Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { hasDocker } from "../../../test/support/tools.ts";
import { upScaled } from "../../src/up-scaled.ts";
import { debianBase } from "../support/debian-base.ts";

const docker = new Dockerode();

describe.skipIf(!hasDocker())("npm run up -- --target local --workers 2 (real Docker engine)", () => {
  it("runs Redis, the API and two workers as containers, smoke-tests through the API, removes them", async () => {
    await debianBase();
    const report = await upScaled(docker, {
      recipe: "debian-local",
      mirror: "upstream",
      model: "demo",
      tag: "i2v-test/up-scaled:latest",
      projectDir: process.cwd(),
      readyTimeoutS: 300,
      keep: false,
      workers: 2,
      log: () => {},
    });
    expect(report.stages.map((s) => s.name)).toEqual([
      "bake",
      "redis image",
      "containers start",
      "workers ready (model load)",
      "smoke via the API (1 video)",
    ]);
    expect(Object.keys(report.containers)).toEqual(["redis", "api", "worker-1", "worker-2"]);
    expect(report.smoke.job.status).toBe("succeeded");
    expect((report.smoke.job as { worker_id?: string }).worker_id).toMatch(/^worker-[12]$/);
    for (const id of Object.values(report.containers))
      await expect(docker.getContainer(id).inspect()).rejects.toThrow();
  }, 1_500_000);
});
