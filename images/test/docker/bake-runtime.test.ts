import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../../client/api-client.ts";
import { waitReady } from "../../../client/wait-ready.ts";
import { hasDocker } from "../../../test/support/tools.ts";
import { bake } from "../../src/bake.ts";
import { dockerClient } from "../../src/docker-client.ts";
import { execInImage, runContainer } from "../../src/run-container.ts";
import { debianBase } from "../support/debian-base.ts";

const run = promisify(execFile);
const rootScripts = (JSON.parse(readFileSync("package.json", "utf8")).scripts ?? {}) as Record<
  string,
  string
>;
const runtimeScripts = (JSON.parse(readFileSync("runtime/package.json", "utf8")).scripts ?? {}) as Record<
  string,
  string
>;
// The runtime's HTTP service is another issue; until its entry and build script exist this suite
// says so and skips. Under CI (I2V_REQUIRE=images-runtime) a missing runtime is a failure instead.
const runtimeReady = Boolean(runtimeScripts.build) && existsSync("runtime/src/server/main.ts");
const required = (process.env.I2V_REQUIRE ?? "").split(",");
if (!runtimeReady && (required.includes("images-runtime") || required.includes("all")))
  throw new Error("the runtime service (runtime/src/server/main.ts, `npm run build -w runtime`) is required");

const docker = new Dockerode();
const client = dockerClient(docker);
const tag = `i2v-test/runtime:${Date.now().toString(36)}`;

describe.skipIf(!hasDocker() || !runtimeReady)(
  "bake the real runtime with the demo model (Debian base)",
  () => {
    afterAll(() => client.remove(tag));

    it("bakes, starts, becomes ready, and passes the smoke test", async () => {
      await debianBase();
      const state = await bake(client, {
        recipe: "debian-local",
        projectDir: process.cwd(),
        mirror: "upstream",
        model: "demo",
        weights: "baked",
        gpu: false,
        tag,
      });
      expect(state.image?.labels["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}$/);
      // Only linux-x64 binaries ship; npm, the build-time CA and .npmrc stay in the build stage.
      const look = await execInImage(docker, tag, [
        "sh",
        "-c",
        "ls /app/node_modules/onnxruntime-node/bin/napi-v6 /app/node_modules/onnxruntime-node/bin/napi-v6/linux; " +
          "ls /app/node_modules/@img; ls -a /opt /app; id -u",
      ]);
      expect(look.code).toBe(0);
      expect(look.output).not.toMatch(/darwin|win32|arm64|linuxmusl/);
      expect(look.output).toContain("sharp-linux-x64");
      expect(look.output).not.toMatch(/\bnpm\b|i2v-build|\.npmrc/);
      expect(look.output.trim().split(/\s+/).at(-1)).toBe("10001");
      const box = await runContainer(docker, tag, { env: { I2V_MODEL: "demo" } });
      try {
        await waitReady(new ApiClient(box.url), 120_000, undefined, 500, { path: "/livez" });
        // The demo model is built at first start, so readiness may take a while on 2 cores.
        await waitReady(new ApiClient(box.url), 300_000);
        if (rootScripts.smoke) {
          // SMOKE: the runtime service's own end-to-end check: one real generation, verified.
          await run("npm", ["run", "smoke", "--", "--url", box.url], { timeout: 600_000 });
        } else {
          const system = await fetch(`${box.url}/v1/system`);
          expect(system.status).toBe(200);
        }
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\n--- container logs ---\n${(await box.logs()).slice(-4000)}`,
        );
      } finally {
        await box.stop();
      }
    }, 1_500_000);
  },
);
