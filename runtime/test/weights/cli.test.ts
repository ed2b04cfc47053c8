import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHub, startFakeHub } from "./support/fake-hub.ts";
import { demoRepo } from "./support/fixtures.ts";
import { tempDir } from "./support/helpers.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");
const tsx = createRequire(import.meta.url).resolve("tsx");

/** Runs a TypeScript entry point as a user would, without a TTY; never throws. */
async function cli(entry: string, args: string[], env: Record<string, string> = {}) {
  const result = await run(process.execPath, ["--import", tsx, path.join(root, entry), ...args], {
    cwd: root,
    env: { ...process.env, CI: "1", HF_TOKEN: "", ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  return { code: result.code, out: result.stdout, err: result.stderr };
}

describe("the fetch-model command lines", () => {
  const repo = demoRepo();
  const gated = { ...demoRepo("acme/gated"), gatedToken: "hf_granted" };
  let hub: FakeHub;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    hub = await startFakeHub([repo, gated]);
    tmp = await tempDir();
  });
  afterAll(async () => {
    await hub.close();
    await tmp.cleanup();
  });

  it("npm run fetch-model: plain progress, a summary, a lock; the re-run downloads nothing", async () => {
    const args = [
      repo.id,
      "--endpoint",
      hub.url,
      "--cache",
      path.join(tmp.dir, "hub"),
      "--lock",
      path.join(tmp.dir, "l.json"),
    ];
    const first = await cli("scripts/fetch-model.ts", args);
    expect(first.code).toBe(0);
    expect(first.out).toContain("got unet/model.onnx");
    expect(first.out).not.toContain("\r");
    expect(first.out).toMatch(/fetched acme\/tiny-i2v@4fecc73d88f4: 5 files, 4\.0 MiB .* lock written/);
    const again = await cli("scripts/fetch-model.ts", args);
    expect(again.out).toMatch(/\(0 B downloaded, 5 files from cache\), lock verified/);
  });

  it("a gated model without a token exits 1 with the hint", async () => {
    const r = await cli("scripts/fetch-model.ts", [
      gated.id,
      "--endpoint",
      hub.url,
      "--cache",
      tmp.dir,
      "--no-lock",
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: acme\/gated is gated/m);
    expect(r.err).toMatch(/^hint: .*HF_TOKEN/m);
  });

  it("the in-image entry (runtime only, no commander) takes the same options", async () => {
    const args = [
      gated.id,
      "--endpoint",
      hub.url,
      "--cache",
      path.join(tmp.dir, "img"),
      "--no-lock",
      "--include",
      "*.json",
    ];
    const r = await cli("runtime/src/weights/main.ts", args, { HF_TOKEN: "hf_granted" });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/fetched acme\/gated@\w+: 2 files/);
    expect((await cli("runtime/src/weights/main.ts", [])).code).toBe(1);
  });
});
