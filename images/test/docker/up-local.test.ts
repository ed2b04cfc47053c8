import Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { hasDocker } from "../../../test/support/tools.ts";
import { UpLocalError, upLocal } from "../../src/up-local.ts";
import { debianBase } from "../support/debian-base.ts";

const docker = new Dockerode();
const base = {
  recipe: "debian-local",
  mirror: "upstream",
  model: "demo",
  tag: "i2v-test/up-local:latest",
  projectDir: process.cwd(),
};

describe.skipIf(!hasDocker())("npm run up -- --target local (real Docker engine)", () => {
  it("bakes, runs, waits for ready, passes the smoke test and reports time to first video", async () => {
    await debianBase();
    const lines: string[] = [];
    const report = await upLocal(docker, {
      ...base,
      readyTimeoutS: 300,
      keep: false,
      log: (l) => lines.push(l),
    });
    expect(report.stages.map((s) => s.name)).toEqual([
      "bake",
      "container start",
      "model load and warm-up",
      "smoke (one real generation)",
    ]);
    expect(report.smoke.job.status).toBe("succeeded");
    expect(report.smoke.video.psnrDb).toBeGreaterThan(25);
    // --stop-after: nothing is left running.
    await expect(docker.getContainer(report.containerId).inspect()).rejects.toThrow();
  }, 1_500_000);

  it("fails clearly, with the container's logs, when the runtime cannot start (broken model)", async () => {
    await debianBase();
    const started = Date.now();
    const failure = await upLocal(docker, {
      ...base,
      env: { I2V_MODEL: "/nonexistent/model" },
      readyTimeoutS: 300,
      keep: false,
      log: () => {},
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpLocalError);
    const error = failure as UpLocalError;
    expect(error.message).toMatch(/container stopped \(exit code [1-9]\d*\) before it became ready/);
    expect(error.message).toContain("/nonexistent/model");
    expect(error.hint).toMatch(/I2V_MODEL/);
    // It noticed the exit instead of waiting out the readiness deadline.
    expect(Date.now() - started).toBeLessThan(240_000);
  }, 1_500_000);
});
