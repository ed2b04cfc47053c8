import { execFileSync } from "node:child_process";
import { basePython } from "../../../../images/src/export/host-env.ts";

/**
 * True when the interpreter the exporter's venv is built over has torch (Debian's python3-torch).
 * Locally a missing one skips; under I2V_REQUIRE=all (CI) or I2V_REQUIRE=torch it fails.
 */
export function basePythonHasTorch(): boolean {
  let ok = false;
  try {
    execFileSync(basePython(), ["-c", "import torch, venv"], { stdio: "ignore", timeout: 120_000 });
    ok = true;
  } catch {
    ok = false;
  }
  const required = (process.env.I2V_REQUIRE ?? "").split(",").map((s) => s.trim());
  if (!ok && (required.includes("all") || required.includes("torch")))
    throw new Error(
      `${basePython()} with torch is required (I2V_REQUIRE); apt-get install -y python3-torch python3-venv`,
    );
  if (!ok)
    console.warn(
      `parity: skipped, ${basePython()} cannot import torch (apt-get install -y python3-torch python3-venv)`,
    );
  return ok;
}
