import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUDA_REQUIREMENTS } from "../../../runtime/src/gpu/cuda-requirements.ts";
import { fetchCudaLibs } from "../../src/cuda-wheels.ts";

const tmp = () => mkdtemp(path.join(os.tmpdir(), "i2v-cuda-wheels-"));

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("fetchCudaLibs' failures say what to do", () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // pip's own retries would take minutes against a closed port; other wheel folders stay out.
    Object.assign(process.env, { PIP_RETRIES: "0", PIP_DEFAULT_TIMEOUT: "5", PIP_FIND_LINKS: "" });
  });
  afterAll(() => {
    process.env = saved;
  });

  it("names a missing python and how to get pip", async () => {
    const options = {
      requirements: CUDA_REQUIREMENTS,
      onnxruntimeNode: CUDA_REQUIREMENTS.onnxruntime,
      indexes: [undefined],
      cacheDir: await tmp(),
      wheelsDir: await tmp(),
      python: "/nonexistent/python3",
    };
    await expect(fetchCudaLibs(options)).rejects.toMatchObject({
      message: expect.stringMatching(/\/nonexistent\/python3 with pip was not found/),
      hint: expect.stringMatching(/apt-get install python3-pip.*I2V_PIP_PYTHON/),
    });
  });

  it("lists each index pip could not install from, in order", async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const indexes = [`http://127.0.0.1:${a}/simple`, `http://127.0.0.1:${b}/simple`];
    const error = await fetchCudaLibs({
      requirements: CUDA_REQUIREMENTS,
      onnxruntimeNode: CUDA_REQUIREMENTS.onnxruntime,
      indexes,
      cacheDir: await tmp(),
      wheelsDir: await tmp(),
      python: "python3",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ hint: expect.stringMatching(/--mirror.*PIP_FIND_LINKS/) });
    const message = (error as Error).message;
    expect(message).toMatch(/pip could not install the CUDA stack \(onnxruntime-gpu/);
    expect(message.indexOf(indexes[0] as string)).toBeGreaterThan(0);
    expect(message.indexOf(indexes[1] as string)).toBeGreaterThan(message.indexOf(indexes[0] as string));
  }, 120_000);
});
