import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  HOST_LOCK,
  hostEnvDir,
  lockedVersions,
  lockMismatches,
  parseExportEnvFamily,
  WAN_HOST_LOCK,
} from "../../src/export/host-env.ts";
import { loadExportPins } from "../../src/export/pins.ts";

describe("host exporter environment", () => {
  it("host-lock.txt pins exactly pins.json's versions (one set of pins for Docker and host)", async () => {
    const pins = await loadExportPins();
    const lock = await readFile(HOST_LOCK, "utf8");
    expect(lockMismatches(pins, lock)).toEqual([]);
    // Every line carries a hash (pip install --require-hashes).
    const entries = lock.split("\n").filter((l) => /^[A-Za-z0-9]/.test(l));
    expect(entries.length).toBe(lockedVersions(lock).size);
    expect(lock.match(/--hash=sha256:[0-9a-f]{64}/g)?.length).toBe(entries.length);
  });

  it("a pin the lock disagrees with is reported by name", async () => {
    const pins = await loadExportPins();
    const lock = await readFile(HOST_LOCK, "utf8");
    const edited = { ...pins, packages: { ...pins.packages, diffusers: "0.32.0" } };
    expect(lockMismatches(edited, lock)).toEqual([
      "diffusers: pins.json has 0.32.0, host-lock.txt has 0.31.0",
    ]);
  });

  it("the environment's folder is keyed by the lock and the base interpreter", () => {
    const env = { I2V_CACHE_DIR: "/c" };
    expect(hostEnvDir("a", env)).toMatch(/^\/c\/export-env\/[0-9a-f]{16}$/);
    expect(hostEnvDir("a", env)).not.toBe(hostEnvDir("b", env));
    expect(hostEnvDir("a", env)).not.toBe(hostEnvDir("a", { ...env, I2V_EXPORT_BASE_PYTHON: "/opt/py" }));
  });

  it("Wan's lock: torch 2.9.1 and diffusers 0.42.1, every line hashed, each package once", async () => {
    const lock = await readFile(WAN_HOST_LOCK, "utf8");
    const versions = lockedVersions(lock);
    expect(versions.get("torch")).toBe("2.9.1");
    expect(versions.get("diffusers")).toBe("0.42.1");
    // diffusers 0.42.1 asks for huggingface-hub >= 1.32, which only transformers 5 accepts.
    expect(versions.get("transformers")?.startsWith("5.")).toBe(true);
    for (const name of ["accelerate", "safetensors", "ftfy", "sentencepiece", "peft", "onnx", "onnxscript"])
      expect(versions.has(name), name).toBe(true);
    const entries = lock.split("\n").filter((l) => /^[A-Za-z0-9]/.test(l));
    expect(entries.length).toBe(versions.size);
    expect(lock.match(/--hash=sha256:[0-9a-f]{64}/g)?.length).toBe(entries.length);
  });

  it("Wan's environment has a folder of its own, even for the same lock text", () => {
    const env = { I2V_CACHE_DIR: "/c" };
    expect(hostEnvDir("a", env, "wan")).toMatch(/^\/c\/export-env\/wan-[0-9a-f]{16}$/);
    expect(hostEnvDir("a", env, "wan")).not.toBe(hostEnvDir("a", env));
  });

  it("an unknown --family names the ones there are", () => {
    expect(parseExportEnvFamily("wan")).toBe("wan");
    expect(() => parseExportEnvFamily("ltx")).toThrow(/unknown model family "ltx"/);
    try {
      parseExportEnvFamily("ltx");
    } catch (error) {
      expect((error as { hint?: string }).hint).toBe("use --family i2vgen-xl or --family wan");
    }
  });
});
