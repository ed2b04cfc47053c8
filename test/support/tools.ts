import { execFileSync } from "node:child_process";

/**
 * Tests that need a real tool (docker, chromium, ffprobe, debootstrap, ...) ask here.
 * Locally a missing tool skips the suite; under CI, `I2V_REQUIRE=docker,chromium,...` (or `all`)
 * turns a missing tool into a failure, so CI can never pass by skipping.
 */
export function hasTool(name: string, probeArgs: string[] = ["--version"]): boolean {
  let found = false;
  try {
    execFileSync(name, probeArgs, { stdio: "ignore", timeout: 10_000 });
    found = true;
  } catch {
    found = false;
  }
  const required = (process.env.I2V_REQUIRE ?? "").split(",").map((s) => s.trim());
  if (!found && (required.includes(name) || required.includes("all"))) {
    throw new Error(
      `${name} is required (I2V_REQUIRE=${process.env.I2V_REQUIRE}) but is not usable on this machine`,
    );
  }
  return found;
}

/** Docker is usable only when the daemon answers, not when just the client is installed. */
export function hasDocker(): boolean {
  return hasTool("docker", ["info", "--format", "{{.ServerVersion}}"]);
}
