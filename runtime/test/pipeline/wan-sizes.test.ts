import { describe, expect, it } from "vitest";
import { I2vError } from "../../src/errors.ts";
import { wanManifestSchema } from "../../src/pipeline/families/wan/manifest.ts";
import { WAN_PRESETS } from "../../src/pipeline/families/wan/presets.ts";
import { areaSize, wanSize } from "../../src/pipeline/families/wan/sizes.ts";
import { outputSizeFor, presetsFor } from "../../src/pipeline/family.ts";
import { resolveParams } from "../../src/pipeline/params.ts";

const component = (name: string) => ({ files: { fp32: `${name}/model.fp32.onnx` } });
const manifest = wanManifestSchema.parse({
  format: "i2v-manifest/1",
  family: "wan",
  name: "wan-test",
  components: {
    text_encoder: component("text_encoder"),
    vae_encoder: component("vae_encoder"),
    transformer: component("transformer"),
    transformer_2: component("transformer_2"),
    vae_decoder: component("vae_decoder"),
  },
  tokenizer: { file: "tokenizer/tokenizer.json", max_length: 512, pad_id: 0 },
  latent: {
    channels: 2,
    vae_scale_factor: 8,
    temporal_scale_factor: 4,
    patch_size: [1, 2, 2],
    size_multiple: 16,
    latents_mean: [0, 0],
    latents_std: [1, 1],
  },
  image_encoder: null,
  experts: { boundary_ratio: 0.9, num_train_timesteps: 1000 },
  scheduler: { default: "unipc", config: {} },
  memory: { fp32: { fixed_mb: 1, per_megapixel_frame_mb: 1 } },
});

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(I2vError);
    expect((error as I2vError).code).toBe("invalid_parameters");
    return (error as I2vError).details?.problems as string[];
  }
  throw new Error("expected an invalid_parameters error");
};

describe("Wan sizes", () => {
  it("takes multiples of 16 and 4k+1 frames, with the latent shape diffusers uses", () => {
    expect(wanSize(manifest, { width: 832, height: 480, frames: 81 })).toEqual({
      width: 832,
      height: 480,
      frames: 81,
      latentFrames: 21,
      latentHeight: 60,
      latentWidth: 104,
    });
  });

  it("refuses other sizes and frame counts, naming the nearest valid values", () => {
    const found = problems(() => wanSize(manifest, { width: 830, height: 480, frames: 80 }));
    expect(found).toEqual([
      "width: 830 is not a multiple of 16; use 816 or 832",
      expect.stringMatching(/^num_frames: 80 is not 4k\+1 .*; use 77 or 81$/),
    ]);
  });

  it("derives 832x480 from the 480p preset for a landscape 16:9-ish input, as diffusers' example", () => {
    expect(areaSize({ width: 1664, height: 960 }, 480, 16)).toEqual({ width: 832, height: 480 });
    expect(areaSize({ width: 960, height: 1664 }, 480, 16)).toEqual({ width: 480, height: 832 });
    expect(areaSize({ width: 1920, height: 1080 }, 720, 16)).toEqual({ width: 1280, height: 720 });
    // 832 x 480's area, not 16:9's 848 x 480 (which gives 736 x 544 and 464 x 848 here).
    expect(areaSize({ width: 1200, height: 900 }, 480, 16)).toEqual({ width: 720, height: 544 });
    expect(areaSize({ width: 900, height: 1600 }, 480, 16)).toEqual({ width: 464, height: 832 });
  });

  it("uses the family's presets: standard is Wan's 480p, 81 frames, 40 steps, 16 fps", () => {
    const params = resolveParams(
      { preset: "standard", seed: 1 },
      { negative_prompt: "", scheduler: "unipc" },
      presetsFor(manifest),
    );
    expect(params).toMatchObject({
      resolution: 480,
      num_frames: 81,
      num_inference_steps: 40,
      target_fps: 16,
    });
    expect(WAN_PRESETS.high.resolution).toBe(720);
    expect(outputSizeFor(manifest, { width: 1664, height: 960 }, params)).toEqual({
      width: 832,
      height: 480,
    });
  });

  it("checks explicit sizes at submission (the API's 400)", () => {
    const params = resolveParams(
      { width: 100, height: 64, num_frames: 9, seed: 1 },
      { negative_prompt: "", scheduler: "unipc" },
      presetsFor(manifest),
    );
    expect(problems(() => outputSizeFor(manifest, { width: 100, height: 64 }, params))).toEqual([
      "width: 100 is not a multiple of 16; use 96 or 112",
    ]);
  });
});
