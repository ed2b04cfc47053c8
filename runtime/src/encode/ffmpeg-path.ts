import { createRequire } from "node:module";
import { I2vError } from "../errors.ts";
import { runToolSync } from "../util/run-tool.ts";

export interface FfmpegTool {
  path: string;
  /** Where it came from, for /v1/system and error messages. */
  source: "I2V_FFMPEG" | "I2V_FFPROBE" | "system" | "@ffmpeg-installer";
  version: string;
}

const cache = new Map<string, FfmpegTool>();

/**
 * Finds ffmpeg (or ffprobe): `I2V_FFMPEG`/`I2V_FFPROBE` if set, else the system's on PATH, else the
 * static binary shipped by @ffmpeg-installer (ffmpeg only), so `npm ci` alone is enough to run.
 */
export function findTool(name: "ffmpeg" | "ffprobe" = "ffmpeg"): FfmpegTool {
  const hit = cache.get(name);
  if (hit) return hit;
  const override = process.env[name === "ffmpeg" ? "I2V_FFMPEG" : "I2V_FFPROBE"];
  const candidates: Array<[string, FfmpegTool["source"]]> = override
    ? [[override, name === "ffmpeg" ? "I2V_FFMPEG" : "I2V_FFPROBE"]]
    : [[name, "system"], ...(name === "ffmpeg" ? installerPath() : [])];
  for (const [path, source] of candidates) {
    const version = versionOf(path);
    if (version) {
      const tool = { path, source, version };
      cache.set(name, tool);
      return tool;
    }
  }
  throw new I2vError(
    "encode_failed",
    `${name} was not found${override ? ` at ${override}` : ""}.`,
    undefined,
    name === "ffmpeg"
      ? "Install ffmpeg (apt-get install ffmpeg), set I2V_FFMPEG to its path, or run `npm ci` to get the bundled binary."
      : "Install ffmpeg's ffprobe (apt-get install ffmpeg) or set I2V_FFPROBE to its path.",
  );
}

function installerPath(): Array<[string, FfmpegTool["source"]]> {
  try {
    const require = createRequire(import.meta.url);
    const installer = require("@ffmpeg-installer/ffmpeg") as { path: string };
    return [[installer.path, "@ffmpeg-installer"]];
  } catch {
    return [];
  }
}

function versionOf(path: string): string | undefined {
  try {
    return (
      /version (\S+)/.exec(runToolSync(path, ["-version"], { timeoutMs: 10_000 }).stdout)?.[1] ?? "unknown"
    );
  } catch {
    return undefined; // missing or broken: the next candidate is tried
  }
}
