import * as ort from "onnxruntime-node";
import { I2vError } from "../errors.ts";
import { CUDA_REQUIREMENTS } from "../gpu/cuda-requirements.ts";
import { explainProviderFailure } from "../gpu/explain-provider-failure.ts";
import { readGpuFacts } from "../gpu/gpu-facts.ts";
import { providerLoadError } from "../gpu/provider-library.ts";
import { GraphBuilder } from "../onnx/graph-builder.ts";
import type { RuntimeOptions } from "./runtime-options.ts";

/** The execution provider a session list will use, after probing and any fallback. */
export interface ProviderChoice {
  provider: RuntimeOptions["provider"];
  providers: ort.InferenceSession.ExecutionProviderConfig[];
  /** Set when the requested provider was unavailable and the config allowed falling back. */
  warning?: string;
}

/** ORT provider configs for a provider name, with the tuned options. */
export function providerConfigs(
  options: RuntimeOptions,
  provider = options.provider,
): ort.InferenceSession.ExecutionProviderConfig[] {
  const cuda = {
    name: "cuda",
    deviceId: options.deviceId,
    cudnnConvAlgoSearch: options.cudnnConvAlgoSearch,
    arenaExtendStrategy: options.arenaExtendStrategy,
  } as ort.InferenceSession.ExecutionProviderConfig;
  switch (provider) {
    case "cpu":
      return ["cpu"];
    case "cuda":
      return [cuda, "cpu"];
    case "tensorrt":
      return [
        {
          name: "tensorrt",
          deviceId: options.deviceId,
          trtFp16Enable: true,
        } as ort.InferenceSession.ExecutionProviderConfig,
        cuda,
        "cpu",
      ];
  }
}

/**
 * Checks that the requested provider can create a session (its libraries load) by creating a
 * one-node model with it (so CUDA is chosen only when its libraries load and a device answers).
 * Fails with `provider_unavailable`, explained in GPU terms (no driver, an old driver, no device,
 * or the library ONNX Runtime could not load), or falls back to the CPU with that as a warning
 * when `fallback` is `cpu`.
 */
export async function chooseProvider(options: RuntimeOptions): Promise<ProviderChoice> {
  if (options.provider === "cpu") return { provider: "cpu", providers: providerConfigs(options) };
  const providers = providerConfigs(options);
  try {
    await ort.InferenceSession.create(probeModel(), { executionProviders: [providers[0]!] });
    return { provider: options.provider, providers };
  } catch (error) {
    // ONNX Runtime's whole message, and the loader's, which names the library that did not load.
    const loader = providerLoadError(options.provider);
    const ortMessage = `${(error as Error).message.trim()}${loader ? `; the dynamic loader said: ${loader}` : ""}`;
    const facts = readGpuFacts();
    const failure = explainProviderFailure(options.provider, ortMessage, facts, CUDA_REQUIREMENTS);
    if (options.fallback === "cpu") {
      return {
        provider: "cpu",
        providers: providerConfigs(options, "cpu"),
        warning: `${options.provider} is unavailable (${failure.message}); running on the CPU because fallback=cpu.`,
      };
    }
    throw new I2vError(
      "provider_unavailable",
      failure.message,
      {
        provider: options.provider,
        cause: failure.cause,
        onnxruntime: CUDA_REQUIREMENTS.onnxruntime,
        cudaMajor: CUDA_REQUIREMENTS.cudaMajor,
        minDriverMajor: CUDA_REQUIREMENTS.minDriverMajor,
        ...(facts.driverVersion ? { driverVersion: facts.driverVersion } : {}),
        gpus: facts.devices.length,
      },
      failure.hint,
    );
  }
}

let probe: Uint8Array | undefined;
function probeModel(): Uint8Array {
  if (!probe) {
    const g = new GraphBuilder("provider_probe");
    g.input("x", "float32", [1]);
    g.op("Identity", ["x"], {}, "y");
    g.output("y", "float32", [1]);
    probe = g.toBytes();
  }
  return probe;
}
