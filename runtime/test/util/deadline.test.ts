import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { deadline, withDeadline } from "../../src/util/deadline.ts";

const run = promisify(execFile);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

/** How many of `count` 30 ms deadlines fired when only their combined signals are kept. */
async function firedAfterGc(make: (ms: number, parent: AbortSignal) => AbortSignal, count = 20) {
  const parent = new AbortController();
  const signals = Array.from({ length: count }, () => make(30, parent.signal));
  for (let i = 0; i < 5; i++) {
    gc();
    await pause(10);
  }
  await pause(150);
  return signals.filter((s) => s.aborted && (s.reason as Error).name === "TimeoutError").length;
}

describe("deadline", () => {
  it("fires under garbage collection when only its signal is kept (Node 20's AbortSignal.any does not)", async () => {
    expect(await firedAfterGc((ms, parent) => deadline(ms, parent).signal)).toBe(20);
  });

  it("keeps the process alive until it fires (AbortSignal.timeout's unref'd timer does not, on 22 too)", async () => {
    const child = fileURLToPath(new URL("./wait-on-signal.ts", import.meta.url));
    const own = await run(process.execPath, ["--import", "tsx", child, "deadline"]);
    expect(own.stdout.trim()).toBe("fired: TimeoutError");
    const builtIn = await run(process.execPath, ["--import", "tsx", child, "abort-signal-any"]);
    expect(builtIn.stdout.trim()).toBe("");
  });

  it("aborts with the parent's reason, and says it was not the deadline", () => {
    const parent = new AbortController();
    const d = deadline(10_000, parent.signal);
    parent.abort(new Error("interrupted"));
    expect((d.signal.reason as Error).message).toBe("interrupted");
    expect(d.expired).toBe(false);
    d.dispose();
  });

  it("restart postpones an idle timeout; expired says the timer fired", async () => {
    const d = deadline(60, undefined, { reason: () => new Error("stalled") });
    for (let i = 0; i < 4; i++) {
      await pause(30);
      d.restart();
    }
    expect(d.signal.aborted).toBe(false);
    await pause(120);
    expect(d.signal.aborted).toBe(true);
    expect(d.expired).toBe(true);
    expect((d.signal.reason as Error).message).toBe("stalled");
  });

  it("abort stops at once; dispose clears the timer and the parent's listener", async () => {
    const first = deadline(10_000);
    first.abort(new Error("first failure"));
    expect((first.signal.reason as Error).message).toBe("first failure");
    const parent = new AbortController();
    const d = deadline(20, parent.signal);
    d.dispose();
    parent.abort();
    await pause(60);
    expect(d.signal.aborted).toBe(false);
  });

  it("withDeadline passes the signal and disposes however the work ends", async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withDeadline(20, undefined, async (signal) => {
        seen = signal;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await pause(60);
    expect(seen?.aborted).toBe(false);
    const reason = await withDeadline(
      20,
      undefined,
      (signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason))),
    );
    expect((reason as Error).name).toBe("TimeoutError");
  });
});
