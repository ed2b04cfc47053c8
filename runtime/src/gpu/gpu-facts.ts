import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, realpathSync } from "node:fs";

/**
 * What this machine (or container) shows of an NVIDIA GPU, read without CUDA: the driver's user
 * library (libcuda.so.1, mounted by `--gpus`), the kernel driver's version, and the device nodes.
 * Used to say in GPU terms why the CUDA provider cannot start.
 */
export interface GpuFacts {
  /** Where the loader finds libcuda.so.1, or undefined (no driver in this container). */
  driverLibrary?: string;
  /** The NVIDIA driver version, e.g. `580.65.06`, or undefined when no driver is visible. */
  driverVersion?: string;
  /** Device nodes such as /dev/nvidia0. */
  devices: string[];
}

/** libcuda.so.1 as the dynamic loader would find it: `ldconfig -p`, then LD_LIBRARY_PATH. */
function findDriverLibrary(env: NodeJS.ProcessEnv): string | undefined {
  for (const ldconfig of ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"]) {
    try {
      const out = execFileSync(ldconfig, ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
      const line = out.split("\n").find((l) => /^\s*libcuda\.so\.1\s/.test(l) && l.includes("x86-64"));
      const m = line ? /=>\s*(\S+)/.exec(line) : undefined;
      if (m) return m[1];
      break;
    } catch {
      // Not at this path; try the next one.
    }
  }
  for (const dir of (env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean)) {
    try {
      return realpathSync(`${dir}/libcuda.so.1`);
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** The kernel module's version from /proc, else the version in libcuda's file name (libcuda.so.580.65.06). */
export function parseDriverVersion(
  procText: string | undefined,
  library: string | undefined,
): string | undefined {
  const fromProc = procText
    ? /Kernel Module\s+(?:for\s+\S+\s+)?(\d+\.\d+(?:\.\d+)?)/.exec(procText)?.[1]
    : undefined;
  if (fromProc) return fromProc;
  if (!library) return undefined;
  let real = library;
  try {
    real = realpathSync(library);
  } catch {
    // Keep the name as found.
  }
  return /libcuda\.so\.(\d+\.\d+(?:\.\d+)?)$/.exec(real)?.[1];
}

/** Reads the facts of this machine (cheap: one ldconfig run and two reads). */
export function readGpuFacts(env: NodeJS.ProcessEnv = process.env): GpuFacts {
  const driverLibrary = findDriverLibrary(env);
  let procText: string | undefined;
  try {
    procText = readFileSync("/proc/driver/nvidia/version", "utf8");
  } catch {
    procText = undefined;
  }
  let devices: string[] = [];
  try {
    devices = readdirSync("/dev")
      .filter((n) => /^nvidia\d+$/.test(n))
      .map((n) => `/dev/${n}`);
  } catch {
    devices = [];
  }
  const driverVersion = parseDriverVersion(procText, driverLibrary);
  return {
    ...(driverLibrary ? { driverLibrary } : {}),
    ...(driverVersion ? { driverVersion } : {}),
    devices,
  };
}
