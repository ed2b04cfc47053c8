import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { OfflineManifest } from "../src/offline.ts";

const run = promisify(execFile);

// The check happens before Docker is contacted, so this needs no engine.
describe("npm run load-image", () => {
  let dir = "";
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("refuses an archive that does not match its manifest: exit 1, message and hint", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "i2v-load-"));
    const file = path.join(dir, "image.tar.gz");
    const original = Buffer.from("pretend this is a docker save stream");
    const manifest: OfflineManifest = {
      format: "i2v-offline/1",
      imageId: "sha256:0000",
      tags: ["i2v-runtime:latest"],
      compression: "gzip",
      imageBytes: 1,
      archive: {
        file: "image.tar.gz",
        bytes: original.length,
        sha256: createHash("sha256").update(original).digest("hex"),
      },
      labels: {},
      createdAt: new Date().toISOString(),
    };
    await writeFile(`${file}.manifest.json`, JSON.stringify(manifest));
    await writeFile(file, Buffer.from("pretend this is a docker save strea!"));
    const result = await run("npx", ["tsx", "scripts/load-image.ts", file]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: .*does not match its manifest.*refusing to load/);
    expect(result.stderr).toMatch(/hint: .*altered or truncated/);
  }, 60_000);
});
