/**
 * Execution providers on this CPU-only machine: asking for CUDA fails clearly, or falls back to the
 * CPU with a warning when the config allows it. (The CUDA path itself needs a GPU: not run here.)
 */
import { describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import { I2vError } from "../../src/errors.ts";
import { LoadedModel } from "../../src/pipeline/model.ts";
import { chooseProvider, providerConfigs } from "../../src/pipeline/providers.ts";
import { runtimeOptionsSchema } from "../../src/pipeline/runtime-options.ts";
import { tempDir } from "../support/demo.ts";

const options = (input: Record<string, unknown>) => runtimeOptionsSchema.parse(input);

describe("execution providers", () => {
  it("cpu by default", async () => {
    expect(await chooseProvider(options({}))).toEqual({ provider: "cpu", providers: ["cpu"] });
  });

  it("cuda keeps the CPU as the last provider, with the tuned options", () => {
    const [cuda, cpu] = providerConfigs(options({ provider: "cuda", deviceId: 1 }));
    expect(cuda).toMatchObject({ name: "cuda", deviceId: 1, cudnnConvAlgoSearch: "HEURISTIC" });
    expect(cpu).toBe("cpu");
  });

  it("cuda without a GPU fails with provider_unavailable and a hint", async () => {
    const dir = await ensureDemoModel(tempDir());
    const failure = LoadedModel.load(dir, { provider: "cuda" });
    await expect(failure).rejects.toBeInstanceOf(I2vError);
    await expect(failure).rejects.toMatchObject({
      code: "provider_unavailable",
      message: expect.stringMatching(/cuda execution provider is unavailable/),
      hint: expect.stringMatching(/I2V_PROVIDER_FALLBACK=cpu/),
    });
  });

  it("cuda with fallback=cpu loads on the CPU with a warning", async () => {
    const dir = await ensureDemoModel(tempDir());
    const model = await LoadedModel.load(dir, { provider: "cuda", fallback: "cpu", intraOpThreads: 1 });
    try {
      expect(model.info.provider).toBe("cpu");
      expect(model.info.providerWarning).toMatch(/cuda is unavailable .*fallback=cpu/);
      // No fp16 on the CPU: an implied variant stays fp32.
      expect(model.info.variant).toBe("fp32");
    } finally {
      await model.release();
    }
  });
});
