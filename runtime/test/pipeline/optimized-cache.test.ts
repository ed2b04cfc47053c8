import { mkdtemp, open, readdir, rm, stat, truncate, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GraphBuilder } from "../../src/onnx/graph-builder.ts";
import { chooseProvider } from "../../src/pipeline/providers.ts";
import { runtimeOptionsSchema } from "../../src/pipeline/runtime-options.ts";
import { createSession, optimizedModelEntry } from "../../src/pipeline/sessions.ts";

/**
 * The optimized-model cache with a real-size model: three 760 MB initializers in one external data
 * file (2.28 GB, over protobuf's 2 GB limit, like every I2VGen-XL UNet). The data file is sparse,
 * so only the cache entry ORT writes takes disk space (~2.3 GB, removed at the end).
 */
const N = 190_000_000;
const GB = 2 ** 30;
let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "i2v-big-model-"));
  await import("node:fs/promises").then((fs) => fs.mkdir(path.join(dir, "unet")));
  const g = new GraphBuilder("big");
  const x = g.input("x", "float32", [1]);
  let y = x;
  for (let i = 0; i < 3; i++) y = g.op("Add", [y, g.constFloatExternal([N], "model.onnx.data", i * N * 4)]);
  g.op("Identity", [y], {}, "y");
  g.output("y", "float32", [N]);
  model = path.join(dir, "unet", "model.onnx");
  await writeFile(model, g.toBytes(17));
  // Sparse: reads as zeros, costs no disk.
  const data = await open(path.join(dir, "unet", "model.onnx.data"), "w");
  await data.truncate(3 * N * 4);
  await data.close();
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("optimized-model cache with external data over 2 GB", () => {
  it("the second start loads the cached graph; the entry holds its own weights", async () => {
    const options = runtimeOptionsSchema.parse({
      optimizedModelCacheDir: path.join(dir, "cache"),
      graphOptimizationLevel: "all",
    });
    const provider = await chooseProvider(options);
    expect((await stat(path.join(dir, "unet", "model.onnx.data"))).size).toBeGreaterThan(2 * GB);
    const warn = vi.spyOn(console, "warn");
    const create = vi.spyOn(ort.InferenceSession, "create");

    const first = await createSession(model, options, provider);
    await first.release();
    const entry = await optimizedModelEntry(model, options, provider);
    expect((await readdir(entry)).sort()).toEqual(["model.onnx", "model.onnx.data"]);
    expect((await stat(path.join(entry, "model.onnx"))).size).toBeLessThan(1 << 20);
    expect((await stat(path.join(entry, "model.onnx.data"))).size).toBeGreaterThan(2 * GB);

    create.mockClear();
    const second = await createSession(model, options, provider);
    await second.release();
    // One create, from the cache, with optimization off: nothing was rebuilt.
    expect(create).toHaveBeenCalledTimes(1);
    expect(create.mock.calls[0]?.[0]).toBe(path.join(entry, "model.onnx"));
    expect(
      (create.mock.calls[0]?.[1] as ort.InferenceSession.SessionOptions | undefined)?.graphOptimizationLevel,
    ).toBe("disabled");
    expect(warn).not.toHaveBeenCalled();

    // The key covers the external data: new weights (another mtime) are another entry.
    const later = new Date(Date.now() + 5000);
    await utimes(path.join(dir, "unet", "model.onnx.data"), later, later);
    expect(await optimizedModelEntry(model, options, provider)).not.toBe(entry);

    // An entry that cannot be loaded is logged with the reason, then replaced.
    await utimes(path.join(dir, "unet", "model.onnx.data"), later, later);
    const next = await optimizedModelEntry(model, options, provider);
    await rm(entry, { recursive: true, force: true });
    const third = await createSession(model, options, provider);
    await third.release();
    await truncate(path.join(next, "model.onnx.data"), 1024);
    warn.mockClear();
    const fourth = await createSession(model, options, provider);
    await fourth.release();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/cannot be loaded \(.+\); optimizing .* again/);
    expect((await stat(path.join(next, "model.onnx.data"))).size).toBeGreaterThan(2 * GB);
    warn.mockRestore();
    create.mockRestore();
  }, 600_000);
});
