import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hasMotoServer, startMoto, type TestMoto } from "../../../test/support/moto-server.ts";
import { openStorage } from "../../src/storage/open.ts";
import type { Storage } from "../../src/storage/port.ts";

const ID = "0b7a6c1e-8a59-4a8e-9d55-1c1e5ab0c0de";

// The same contract for both backends: a folder, and S3 through moto's real server.
describe.each(["file", ...(hasMotoServer() ? ["s3"] : [])])("%s storage", (kind) => {
  let storage: Storage;
  let moto: TestMoto | undefined;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    if (kind === "s3") {
      moto = await startMoto();
      for (const [key, value] of Object.entries(moto.env)) {
        saved[key] = process.env[key];
        process.env[key] = value;
      }
      await new S3Client({}).send(new CreateBucketCommand({ Bucket: "i2v-storage-test" }));
      storage = openStorage("s3://i2v-storage-test/some/prefix");
    } else {
      storage = openStorage(`file://${mkdtempSync(path.join(os.tmpdir(), "i2v-storage-"))}`);
    }
    await storage.check();
  }, 60_000);
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  test("inputs and videos round-trip, ranges read the right bytes, a second write replaces", async () => {
    await storage.putInput(ID, new Uint8Array([1, 2, 3]));
    expect([...(await storage.getInput(ID))]).toEqual([1, 2, 3]);
    expect(await storage.videoSize(ID)).toBeUndefined();
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "i2v-video-")), "v.mp4");
    writeFileSync(file, Buffer.from("0123456789"));
    await storage.putVideo(ID, file);
    writeFileSync(file, Buffer.from("abcdefghij"));
    await storage.putVideo(ID, file); // a job that ran twice: one result, the latest
    expect(await storage.videoSize(ID)).toBe(10);
    const part = Buffer.from(await new Response(await storage.readVideo(ID, 2, 5)).arrayBuffer());
    expect(part.toString()).toBe("cdef");
    if (storage.videoUrl) {
      const presigned = await fetch(await storage.videoUrl(ID));
      expect(await presigned.text()).toBe("abcdefghij");
    }
    await storage.remove(ID);
    expect(await storage.videoSize(ID)).toBeUndefined();
  });

  test.runIf(kind === "s3")("a missing bucket is a clear backend_unavailable error", async () => {
    await expect(openStorage("s3://no-such-bucket-i2v/x").check()).rejects.toMatchObject({
      code: "backend_unavailable",
      message: expect.stringMatching(/S3 storage failed/),
    });
  });
});
