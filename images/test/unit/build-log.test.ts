import { describe, expect, it } from "vitest";
import { BuildLog, BuildStepError } from "../../src/build-log.ts";

describe("BuildLog", () => {
  it("returns the image id and counts cached steps", () => {
    const log = new BuildLog();
    log.push({ stream: "Step 1/3 : FROM base\n" });
    log.push({ stream: " ---> 123\n" });
    log.push({ stream: "Step 2/3 : RUN true\n ---> Using cache\n ---> abc\n" });
    log.push({ stream: "Step 3/3 : COPY app/ /app/\n" });
    log.push({ aux: { ID: "sha256:feed" } });
    expect(log.finish()).toBe("sha256:feed");
    expect(log.cachedSteps()).toBe(1);
    expect(log.steps.map((s) => s.index)).toEqual([1, 2, 3]);
  });

  it("fails on an error entry with the failing step and its output, even though Docker answered 200", () => {
    const log = new BuildLog();
    log.push({ stream: "Step 1/2 : FROM base\n" });
    log.push({ stream: "Step 2/2 : RUN apt-get install nope\n" });
    log.push({ stream: "E: Unable to locate package nope\n" });
    log.push({
      error: "returned a non-zero code: 100",
      errorDetail: { code: 100, message: "returned a non-zero code: 100" },
    });
    log.push({ error: "a later consequence" });
    let error: unknown;
    try {
      log.finish();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BuildStepError);
    const failure = error as BuildStepError;
    expect(failure.step?.instruction).toBe("RUN apt-get install nope");
    expect(failure.message).toContain("step 2/2");
    expect(failure.message).toContain("Unable to locate package nope");
    expect(failure.message).toContain("non-zero code: 100");
    expect(failure.hint).toBeTruthy();
  });

  it("says the disk is full when a layer hits ENOSPC (the CI failure of 2026-12-07)", () => {
    const log = new BuildLog();
    log.push({ stream: "Step 15/27 : COPY --from=i2v-cuda/x /opt/i2v/cuda/lib/ /opt/i2v/cuda/lib/\n" });
    log.push({
      errorDetail: {
        message:
          "Error processing tar file(exit status 1): write /opt/i2v/cuda/lib/libnvJitLink.so.13: no space left on device",
      },
    });
    expect(() => log.finish()).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/data root is full.*docker builder prune/) }),
    );
  });

  it("gives a base-image hint when the FROM step fails", () => {
    const log = new BuildLog();
    log.push({ stream: "Step 1/9 : FROM nvidia/cuda:12 AS system\n" });
    log.push({ errorDetail: { message: "no such host" } });
    expect(() => log.finish()).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/base image could not be pulled/) }),
    );
  });

  it("treats a stream with no image id and no error as a failure", () => {
    const log = new BuildLog();
    log.push({ stream: "Step 1/1 : FROM base\n" });
    expect(() => log.finish()).toThrow(/without an image id/);
  });
});
