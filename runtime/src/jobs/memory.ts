import { readFile } from "node:fs/promises";
import os from "node:os";
import { runTool } from "../util/run-tool.ts";

/** Device memory as the admission check sees it. */
export interface MemoryReading {
  kind: "gpu" | "host" | "simulated";
  totalMb: number;
  freeMb: number;
}

export type MemoryProbe = () => Promise<MemoryReading>;

/** GPU memory from nvidia-smi for one device. */
export function gpuMemoryProbe(deviceId = 0): MemoryProbe {
  return async () => {
    const { stdout } = await runTool(
      "nvidia-smi",
      ["--query-gpu=memory.total,memory.free", "--format=csv,noheader,nounits", "-i", String(deviceId)],
      { timeoutMs: 5000 },
    );
    const [total, free] = stdout
      .trim()
      .split(",")
      .map((v) => Number(v.trim()));
    if (!Number.isFinite(total) || !Number.isFinite(free))
      throw new Error(`unexpected nvidia-smi output: ${stdout}`);
    return { kind: "gpu", totalMb: total as number, freeMb: free as number };
  };
}

/** Host memory: MemAvailable (what the kernel can give without swapping), not MemFree. */
export function hostMemoryProbe(): MemoryProbe {
  return async () => {
    try {
      const info = await readFile("/proc/meminfo", "utf8");
      const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(info)?.[1]);
      const total = kb("MemTotal");
      const available = kb("MemAvailable");
      if (Number.isFinite(total) && Number.isFinite(available))
        return { kind: "host", totalMb: total / 1024, freeMb: available / 1024 };
    } catch {
      // Not Linux: fall back to what Node reports.
    }
    return { kind: "host", totalMb: os.totalmem() / 2 ** 20, freeMb: os.freemem() / 2 ** 20 };
  };
}

/** A fixed reading, for tests and for capacity planning ("what would fit on a 24 GB card?"). */
export function simulatedMemoryProbe(freeMb: number): MemoryProbe {
  return async () => ({ kind: "simulated", totalMb: freeMb, freeMb });
}

/** The probe for a provider: nvidia-smi on GPU providers, host memory on the CPU. */
export function memoryProbeFor(provider: string, simulatedFreeMb?: number, deviceId = 0): MemoryProbe {
  if (simulatedFreeMb !== undefined) return simulatedMemoryProbe(simulatedFreeMb);
  return provider === "cpu" ? hostMemoryProbe() : gpuMemoryProbe(deviceId);
}
