import { mkdtemp, open, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renameDurable, writeFileDurable } from "../../src/util/durable-write.ts";

// FileHandle is not exported; its prototype is reached through a handle.
const probe = await open(import.meta.filename, "r");
const FileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
await probe.close();

afterEach(() => vi.restoreAllMocks());

describe("durable writes", () => {
  it("replaces the file and leaves no temporary file beside it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-durable-"));
    const file = path.join(dir, "state.json");
    await writeFileDurable(file, "one\n");
    await writeFileDurable(file, new TextEncoder().encode("two\n"));
    expect(await readFile(file, "utf8")).toBe("two\n");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("fsyncs the data before the rename and the folder after it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-durable-"));
    const sync = vi.spyOn(FileHandle, "sync");
    await writeFileDurable(path.join(dir, "a.json"), "{}");
    expect(sync).toHaveBeenCalledTimes(2);
    await writeFile(path.join(dir, "b.part"), "downloaded");
    await renameDurable(path.join(dir, "b.part"), path.join(dir, "b"));
    expect(sync).toHaveBeenCalledTimes(4);
    expect(await readFile(path.join(dir, "b"), "utf8")).toBe("downloaded");
  });

  it("a failed write keeps the old file and removes its temporary file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-durable-"));
    const file = path.join(dir, "state.json");
    await writeFileDurable(file, "old");
    vi.spyOn(FileHandle, "sync").mockRejectedValueOnce(Object.assign(new Error("EIO"), { code: "EIO" }));
    await expect(writeFileDurable(file, "new")).rejects.toThrow("EIO");
    expect(await readFile(file, "utf8")).toBe("old");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });
});
