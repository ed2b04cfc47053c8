import type * as ort from "onnxruntime-node";
import { WAN_COMPONENT_ROLES } from "./families/wan/manifest.ts";
import type { AnyComponentName, LoadedManifest } from "./manifest.ts";
import { COMPONENT_ROLES } from "./manifest.ts";

/** What the pipeline feeds each role: accepted element types and ranks. I/O stays fp32 at the JS boundary. */
interface Expectation {
  types: readonly string[];
  ranks: readonly number[];
}

const F32 = ["float32"] as const;
const WAN_TRANSFORMER: Record<string, Expectation> = {
  hidden_states: { types: F32, ranks: [5] },
  timestep: { types: F32, ranks: [1] },
  encoder_hidden_states: { types: F32, ranks: [3] },
  encoder_hidden_states_image: { types: F32, ranks: [3] },
  model_output: { types: F32, ranks: [5] },
};
/** Wan's graphs (families/wan/manifest.ts); the VAE works on whole clips [B, C, F, H, W]. */
const WAN_EXPECTED: Record<string, Record<string, Expectation>> = {
  text_encoder: {
    input_ids: { types: ["int64"], ranks: [2] },
    attention_mask: { types: ["int64"], ranks: [2] },
    hidden_states: { types: F32, ranks: [3] },
  },
  image_encoder: { pixel_values: { types: F32, ranks: [4] }, image_embeds: { types: F32, ranks: [3] } },
  vae_encoder: { sample: { types: F32, ranks: [5] }, latent: { types: F32, ranks: [5] } },
  transformer: WAN_TRANSFORMER,
  transformer_2: WAN_TRANSFORMER,
  vae_decoder: { latent: { types: F32, ranks: [5] }, sample: { types: F32, ranks: [5] } },
};

const EXPECTED: Record<string, Record<string, Expectation>> = {
  text_encoder: {
    input_ids: { types: ["int64", "int32"], ranks: [2] },
    hidden_states: { types: F32, ranks: [3] },
  },
  image_encoder: { pixel_values: { types: F32, ranks: [4] }, image_embeds: { types: F32, ranks: [2, 3] } },
  vae_encoder: { sample: { types: F32, ranks: [4] }, latent: { types: F32, ranks: [4] } },
  unet: {
    sample: { types: F32, ranks: [5] },
    timestep: { types: ["int64", "float32"], ranks: [0, 1] },
    encoder_hidden_states: { types: F32, ranks: [3] },
    fps: { types: ["int64", "float32"], ranks: [1] },
    image_latents: { types: F32, ranks: [5] },
    image_embeddings: { types: F32, ranks: [2, 3] },
    model_output: { types: F32, ranks: [5] },
  },
  vae_decoder: { latent: { types: F32, ranks: [4] }, sample: { types: F32, ranks: [4] } },
};

/** Role -> graph name, and the element type the graph declares, for one component. */
export interface ComponentIO {
  inputs: Record<string, IOSpec>;
  outputs: Record<string, IOSpec>;
}

/** A graph input or output as the session declares it. */
export interface IOSpec {
  name: string;
  type: string;
  /** Declared shape; strings are symbolic dimensions. */
  shape: readonly (number | string)[];
}

/**
 * Compares a session's inputs and outputs with what the pipeline will feed: names, element types,
 * ranks, and the latent channel count. Returns the role map, or problems as `path: message`.
 */
export function checkSignature(
  component: AnyComponentName,
  session: ort.InferenceSession,
  loaded: LoadedManifest,
): { io: ComponentIO; problems: string[] } {
  const { manifest } = loaded;
  const wan = manifest.family === "wan";
  const spec = (manifest.components as Record<string, { inputs: object; outputs: object }>)[component]!;
  const expected = (wan ? WAN_EXPECTED : EXPECTED)[component]!;
  const allRoles = (wan ? WAN_COMPONENT_ROLES : COMPONENT_ROLES) as Record<
    string,
    { inputs: readonly string[]; outputs: readonly string[] }
  >;
  // Wan 2.2 has no image encoder, so its transformers take no image tokens.
  const inputRoles = allRoles[component]!.inputs.filter(
    (role) => !(wan && role === "encoder_hidden_states_image" && manifest.image_encoder === null),
  );
  const problems: string[] = [];
  const io: ComponentIO = { inputs: {}, outputs: {} };
  const check = (
    kind: "inputs" | "outputs",
    roles: readonly string[],
    metadata: readonly ort.InferenceSession.ValueMetadata[],
  ) => {
    for (const role of roles) {
      const name = (spec[kind] as Record<string, string | undefined>)[role] ?? role;
      const path = `components.${component}.${kind}.${role}`;
      const meta = metadata.find((m) => m.name === name);
      if (!meta) {
        problems.push(
          `${path}: the graph has no ${kind.slice(0, -1)} named "${name}" (it has ${metadata.map((m) => m.name).join(", ")})`,
        );
        continue;
      }
      if (!meta.isTensor) {
        problems.push(`${path}: "${name}" is not a tensor`);
        continue;
      }
      const want = expected[role]!;
      if (!want.types.includes(meta.type))
        problems.push(`${path}: "${name}" is ${meta.type}, expected ${want.types.join(" or ")}`);
      if (!want.ranks.includes(meta.shape.length)) {
        problems.push(
          `${path}: "${name}" has rank ${meta.shape.length} [${meta.shape.join(", ")}], expected rank ${want.ranks.join(" or ")}`,
        );
      }
      const channels = meta.shape[1];
      const latentRole =
        (component === "unet" &&
          (role === "sample" || role === "image_latents" || role === "model_output")) ||
        (component.startsWith("transformer") && role === "model_output") ||
        (component === "vae_decoder" && role === "latent") ||
        (component === "vae_encoder" && role === "latent");
      if (latentRole && typeof channels === "number" && channels !== loaded.manifest.latent.channels) {
        problems.push(
          `${path}: "${name}" has ${channels} channels, the manifest says latent.channels = ${loaded.manifest.latent.channels}`,
        );
      }
      io[kind][role] = { name, type: meta.type, shape: meta.shape };
    }
  };
  check("inputs", inputRoles, session.inputMetadata);
  check("outputs", allRoles[component]!.outputs, session.outputMetadata);
  return { io, problems };
}
