import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { type RunningService, startService } from "../../src/server/start.ts";

/** Starts the service in-process (port 0, fresh data folder, demo model from the shared test cache). */
export async function inProcessService(env: Record<string, string> = {}): Promise<RunningService> {
  const config = parseServiceConfig({
    PORT: "0",
    I2V_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "i2v-api-")),
    I2V_CACHE_DIR: process.env.I2V_TEST_CACHE_DIR ?? path.join(os.tmpdir(), "i2v-test-cache"),
    I2V_THREADS: "2",
    I2V_LOG_LEVEL: "silent",
    ...env,
  });
  const running = await startService(config, pino({ level: "silent" }));
  await running.ready;
  return running;
}

/** A multipart body with an image and fields, as a browser or curl -F sends it. */
export function form(image: Uint8Array, fields: Record<string, string | number> = {}): FormData {
  const body = new FormData();
  body.set("image", new Blob([new Uint8Array(image)], { type: "image/png" }), "input.png");
  for (const [key, value] of Object.entries(fields)) body.set(key, String(value));
  return body;
}

export { waitForJob } from "../../../test/support/wait.ts";

/** Small, quick parameters: a job that takes well under a second on the demo model. */
export const TINY = { preset: "quick", resolution: 64, num_frames: 4, num_inference_steps: 4 } as const;
