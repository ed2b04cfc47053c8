import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  ChecksumMismatchError,
  HttpStatusError,
  isMirrorFault,
  MirrorsExhaustedError,
} from "../src/failover/errors.ts";
import { type FailoverAttempt, fetchOk, verifySha256, withMirrorFailover } from "../src/failover/failover.ts";
import { type LoopbackMirror, objectBytes, startLoopbackMirror } from "./support/loopback-mirror.ts";

const started: LoopbackMirror[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

async function serve(...specs: Parameters<typeof startLoopbackMirror>[0][]): Promise<LoopbackMirror[]> {
  const servers = await Promise.all(specs.map((s) => startLoopbackMirror(s)));
  started.push(...servers);
  return servers;
}

const good = objectBytes(64 * 1024);
const sha256 = createHash("sha256").update(good).digest("hex");

// The step a bake would run: download, check the digest.
async function download(base: string, signal: AbortSignal): Promise<Uint8Array> {
  const response = await fetchOk(`${base}model.bin`, { signal });
  const data = new Uint8Array(await response.arrayBuffer());
  await verifySha256("model.bin", data, sha256);
  return data;
}

describe("withMirrorFailover", () => {
  it("moves past 404, 5xx, a reset, a hang and a bad checksum to the mirror that works", async () => {
    const [notFound, broken, reset, hang, corrupt, ok] = await serve(
      { fault: "status", status: 404 },
      { fault: "status", status: 502 },
      { fault: "reset", size: good.length },
      { fault: "hang" },
      { body: Buffer.from(objectBytes(good.length).map((b) => b ^ 1)) },
      { size: good.length },
    );
    const candidates = [notFound, broken, reset, hang, corrupt, ok].map((s) => s?.url ?? "");
    const seen: FailoverAttempt<string>[] = [];
    const result = await withMirrorFailover(candidates, (base, { signal }) => download(base, signal), {
      attemptTimeoutMs: 500,
      onAttempt: (a) => seen.push(a),
    });
    expect(result.mirror).toBe(ok?.url);
    expect(result.value).toEqual(new Uint8Array(good));
    expect(seen.map((a) => a.ok)).toEqual([false, false, false, false, false, true]);
    expect(seen[0]?.error).toBeInstanceOf(HttpStatusError);
    expect(seen[1]?.error).toMatchObject({ status: 502 });
    expect(seen[4]?.error).toBeInstanceOf(ChecksumMismatchError);
    expect(result.attempts).toHaveLength(6);
  });

  it("gives up on a step that ignores its signal once the attempt times out", async () => {
    const result = await withMirrorFailover(
      ["stuck", "fine"],
      (m) => (m === "stuck" ? new Promise<string>(() => {}) : Promise.resolve("served")),
      { attemptTimeoutMs: 100 },
    );
    expect(result).toMatchObject({ mirror: "fine", value: "served" });
  });

  it("does not retry errors that are not the mirror's fault", async () => {
    let calls = 0;
    const bug = withMirrorFailover(["a", "b"], async () => {
      calls++;
      throw new RangeError("bad argument");
    });
    await expect(bug).rejects.toThrow(RangeError);
    expect(calls).toBe(1);
  });

  it("reports every mirror's reason when all fail, as a user-facing error", async () => {
    const [a, b] = await serve({ fault: "status", status: 404 }, { fault: "status", status: 500 });
    const all = withMirrorFailover([a?.url ?? "", b?.url ?? ""], (base, { signal }) =>
      download(base, signal),
    );
    const error = await all.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorsExhaustedError);
    expect((error as MirrorsExhaustedError).message).toMatch(/HTTP 404[\s\S]*HTTP 500/);
    expect((error as MirrorsExhaustedError).hint).toMatch(/probe/);
  });

  it("classifies fetch's network failures as the mirror's fault", () => {
    const refused = new TypeError("fetch failed", {
      cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
    });
    expect(isMirrorFault(refused)).toBe(true);
    expect(isMirrorFault(new TypeError("undefined is not a function"))).toBe(false);
  });
});
