/**
 * The GPU image without a GPU: the CUDA provider's failure is told in GPU and driver terms (with
 * versions and ONNX Runtime's whole message), and the service stays unready saying why. This
 * machine has no NVIDIA driver, so the no-driver path runs for real; the others from facts.
 */
import { existsSync, mkdtempSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { CUDA_REQUIREMENTS } from "../../src/gpu/cuda-requirements.ts";
import { explainProviderFailure } from "../../src/gpu/explain-provider-failure.ts";
import { parseDriverVersion, readGpuFacts } from "../../src/gpu/gpu-facts.ts";
import { ortNativeDir, providerLoadError } from "../../src/gpu/provider-library.ts";
import { startService } from "../../src/server/start.ts";

const ORT_MISSING_CUDA =
  "Failed to load library libonnxruntime_providers_cuda.so with error: libcuda.so.1: cannot open shared object file: No such file or directory";
const req = CUDA_REQUIREMENTS;

describe("explaining a GPU provider that did not start", () => {
  it("no driver: names libcuda.so.1 as the driver's, --gpus all and I2V_PROVIDER=cpu, with versions", () => {
    const f = explainProviderFailure("cuda", ORT_MISSING_CUDA, { devices: [] }, req);
    expect(f.cause).toBe("no_driver");
    expect(f.message).toMatch(/no NVIDIA driver is visible/);
    expect(f.message).toContain(`CUDA ${req.cudaMajor}`);
    expect(f.message).toContain(`onnxruntime ${req.onnxruntime}`);
    expect(f.message).toContain(`driver >= ${req.minDriverMajor}`);
    expect(f.message).toContain(ORT_MISSING_CUDA); // ORT's whole message
    expect(f.hint).toMatch(/--gpus all/);
    expect(f.hint).toMatch(/I2V_PROVIDER=cpu/);
  });

  it("a driver older than the CUDA major needs is told as such, whatever ORT said", () => {
    const f = explainProviderFailure(
      "cuda",
      "CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version",
      {
        driverLibrary: "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
        driverVersion: "570.172.08",
        devices: ["/dev/nvidia0"],
      },
      req,
    );
    expect(f.cause).toBe("old_driver");
    expect(f.message).toMatch(
      new RegExp(
        `driver 570.172.08 is too old for CUDA ${req.cudaMajor} \\(it needs >= ${req.minDriverMajor}`,
      ),
    );
    expect(f.hint).toMatch(/ai\.i2v\.cuda\.min-driver/);
  });

  it("a driver with no device, and a library the image lacks (named)", () => {
    const noDevice = explainProviderFailure(
      "cuda",
      "CUDA failure 100: no CUDA-capable device is detected",
      { driverLibrary: "/usr/lib/x86_64-linux-gnu/libcuda.so.1", driverVersion: "580.65.06", devices: [] },
      req,
    );
    expect(noDevice.cause).toBe("no_device");
    expect(noDevice.message).toMatch(/no GPU device is visible/);
    const missing =
      "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file";
    const lib = explainProviderFailure(
      "cuda",
      missing,
      {
        driverLibrary: "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
        driverVersion: "580.65.06",
        devices: ["/dev/nvidia0"],
      },
      req,
    );
    expect(lib.cause).toBe("provider_load");
    expect(lib.message).toContain("libcublasLt.so.13");
  });

  it("reads the driver version from /proc's text or libcuda's file name", () => {
    expect(
      parseDriverVersion(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65.06  Sun Jul 27 07:09:38 UTC 2025\nGCC version:  gcc version 12.2.0",
        undefined,
      ),
    ).toBe("580.65.06");
    expect(parseDriverVersion(undefined, "/usr/lib/x86_64-linux-gnu/libcuda.so.575.57.08")).toBe("575.57.08");
    expect(parseDriverVersion(undefined, undefined)).toBeUndefined();
  });

  it("this machine: no libcuda.so.1 and no /dev/nvidia*", () => {
    const facts = readGpuFacts({});
    expect(facts.driverLibrary).toBeUndefined();
    expect(facts.devices).toEqual([]);
  });
});

describe("asking the dynamic loader why a provider library does not load", () => {
  it("names the provider file that is missing (onnxruntime-node ships none)", () => {
    expect(providerLoadError("cuda")).toBe(
      `${ortNativeDir()}/libonnxruntime_providers_shared.so does not exist`,
    );
  });

  it("is silent when both libraries load (a shared library that is not a Node addon)", () => {
    const zlib = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"].find(existsSync);
    if (!zlib) return;
    const dir = mkdtempSync(path.join(os.tmpdir(), "i2v-provider-"));
    for (const name of ["shared", "cuda"])
      symlinkSync(zlib, path.join(dir, `libonnxruntime_providers_${name}.so`));
    expect(providerLoadError("cuda", dir)).toBeUndefined();
  });
});

describe("the service with I2V_PROVIDER=cuda and no GPU", () => {
  it("stays unready: /readyz 503 says why in driver terms, with the fix", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "i2v-gpu-ready-"));
    const config = parseServiceConfig({
      PORT: "0",
      I2V_PROVIDER: "cuda",
      I2V_DATA_DIR: path.join(dir, "data"),
      I2V_CACHE_DIR: dir,
      I2V_THREADS: "1",
    });
    const running = await startService(config, pino({ level: "silent" }));
    try {
      await expect(running.ready).rejects.toMatchObject({ code: "provider_unavailable" });
      const res = await fetch(`${running.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; problem: string; hint?: string };
      expect(body.status).toBe("unavailable");
      expect(body.problem).toMatch(/no NVIDIA driver is visible \(libcuda\.so\.1/);
      expect(body.problem).toContain(`CUDA ${req.cudaMajor}`);
      expect(body.hint).toMatch(/--gpus all.*I2V_PROVIDER=cpu/);
    } finally {
      await running.shutdown();
    }
  });
});
