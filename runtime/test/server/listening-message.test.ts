import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listeningMessage } from "../../src/server/listening-message.ts";

// The start-up line names where the service listens: bound to 0.0.0.0 (a container), a line
// saying only "listening on http://127.0.0.1:7860" read as "reachable from this machine only".
const ROOT = path.resolve(import.meta.dirname, "../../..");

describe("the listening line", () => {
  it("names the loopback URL when bound to loopback, and every interface when bound to 0.0.0.0", () => {
    expect(listeningMessage("127.0.0.1", "http://127.0.0.1:7860")).toBe("listening on http://127.0.0.1:7860");
    expect(listeningMessage("0.0.0.0", "https://127.0.0.1:7860")).toBe(
      "listening on every interface (0.0.0.0:7860): https://<this machine's address>:7860; from this machine https://127.0.0.1:7860",
    );
  });

  it("is what the real service logs when I2V_HOST=0.0.0.0", { timeout: 60_000 }, async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "runtime/src/server/main.ts")],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: "0",
          I2V_HOST: "0.0.0.0",
          I2V_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "i2v-listen-")),
          I2V_CACHE_DIR: process.env.I2V_TEST_CACHE_DIR ?? path.join(os.tmpdir(), "i2v-test-cache"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const found = output.split("\n").find((l) => l.includes('"msg":"listening on'));
          if (found) {
            clearInterval(timer);
            resolve(found);
          }
        }, 50);
        child.once("exit", (code) => {
          clearInterval(timer);
          reject(new Error(`service exited (${code}):\n${output}`));
        });
      });
      const record = JSON.parse(line) as { msg: string; host: string };
      expect(record.msg).toMatch(
        /^listening on every interface \(0\.0\.0\.0:\d+\): http:\/\/<this machine's address>:\d+; from this machine http:\/\/127\.0\.0\.1:\d+$/,
      );
      expect(record.host).toBe("0.0.0.0");
    } finally {
      child.kill("SIGTERM");
    }
  });
});
