import { describe, expect, test } from "vitest";
import { ClientError } from "../client/api-error.ts";
import { BuildStepError } from "../images/src/build-log.ts";
import { UpLocalError } from "../images/src/up-local.ts";
import { InfraUserError } from "../infra/stack-file.ts";
import { MirrorUserError } from "../mirrors/src/errors.ts";
import { TlsConfigError } from "../runtime/src/server/tls.ts";
import { runTool } from "../runtime/src/util/run-tool.ts";
import { isUserFacing, UserError, userError } from "../runtime/src/util/user-facing-error.ts";
import { userError as fetchError, ModelFetchError } from "../runtime/src/weights/errors.ts";

// Part 7 of the redesign: one user error every front door prints the same way, and one runner
// whose failure says what ran, how it ended and what the tool printed.
describe("one UserError", () => {
  test("every hint-carrying error of every part is a UserError with its message, hint and code", () => {
    const errors = [
      userError("what", "fix", "code_a"),
      fetchError("what", "fix", "code_b"),
      new ModelFetchError("what", "fix", "code_c"),
      new TlsConfigError("what", "fix"),
      new InfraUserError("what", "fix"),
      new MirrorUserError("code_d", "what", "fix"),
      new UpLocalError("what", "fix"),
      new ClientError("code_e", "what", "fix"),
      new BuildStepError(undefined, "what"),
    ];
    for (const error of errors) {
      expect({ name: error.name, isUserError: error instanceof UserError }).toEqual({
        name: error.name,
        isUserError: true,
      });
      expect(isUserFacing(error)).toBe(true);
      expect(error.message).toContain("what");
      expect(error.hint.length).toBeGreaterThan(2);
    }
    expect(errors.map((e) => e.code)).toEqual([
      "code_a",
      "code_b",
      "code_c",
      undefined,
      undefined,
      "code_d",
      undefined,
      "code_e",
      undefined,
    ]);
    expect(isUserFacing(new Error("a bug"))).toBe(false);
  });
});

describe("one runner", () => {
  test("a failing tool's error names the command, the exit code and the tool's stderr", async () => {
    const failure = await runTool("sh", ["-c", "echo 'disk on fire' >&2; exit 3"]).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain("sh -c");
    expect(message).toMatch(/exit code 3/);
    expect(message).toContain("disk on fire");
    expect((failure as { exitCode?: number }).exitCode).toBe(3);
  });

  test("a tool past its timeout is killed and says so", async () => {
    const failure = await runTool("sleep", ["5"], { timeoutMs: 200 }).catch((e: Error) => e);
    expect((failure as Error).message).toMatch(/timed out after 200 milliseconds/);
    expect((failure as { timedOut?: boolean }).timedOut).toBe(true);
  });

  test("its output comes back", async () => {
    expect(await runTool("sh", ["-c", "echo out; echo err >&2"])).toEqual({ stdout: "out", stderr: "err" });
  });
});
