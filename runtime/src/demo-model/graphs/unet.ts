import { GraphBuilder } from "../../onnx/graph-builder.ts";
import { createRandom } from "../../pipeline/random.ts";
import { DEMO, type DemoSize, IMAGE_LATENT_CHANNELS, LATENT_CHANNELS } from "../constants.ts";

/**
 * The demo UNet, with I2VGen-XL's signature: (sample, timestep, encoder_hidden_states, fps,
 * image_latents, image_embeddings) -> v-prediction.
 *
 * It knows the clean video it should denoise towards: every frame holds the first frame's image
 * latent, and the camera channels hold the prompt's motion times the frame position (0 for frame
 * 0, k/(F-1) after). It returns the v that points there from the current sample, so DDIM and
 * DPM-Solver++ land on that video. Classifier-free guidance then scales the motion, exactly as
 * it scales a real model's conditioning. A conv stack on the sample adds a tiny residual (seeded
 * texture) and is the compute knob for benchmarks.
 */
export function unetGraph(size: DemoSize, alphasCumprod: ArrayLike<number>): Uint8Array {
  const g = new GraphBuilder("demo_unet");
  const C = LATENT_CHANNELS;
  const sample = g.input("sample", "float32", ["batch", C, "frames", "height", "width"]);
  const timestep = g.input("timestep", "int64", [1]);
  const text = g.input("encoder_hidden_states", "float32", ["batch", "sequence", DEMO.textDim]);
  g.input("fps", "int64", ["batch"]);
  const imageLatents = g.input("image_latents", "float32", ["batch", C, "frames", "height", "width"]);
  g.input("image_embeddings", "float32", ["batch", DEMO.imageEmbedDim]);

  const ints = (values: number[]) => g.constInt(values);
  const slice = (x: string, start: number, end: number, axis: number) =>
    g.op("Slice", [x, ints([start]), ints([end]), ints([axis]), ints([1])]);
  const shape = g.op("Shape", [sample]); // [B, C, F, H, W]
  const dims = (start: number, end: number) => g.op("Slice", [shape, ints([start]), ints([end])]);
  const batch = dims(0, 1);
  const frames = dims(2, 3);
  const spatial = dims(3, 5);

  // Noise level of this timestep, from the same alphas the scheduler uses.
  const alphaBar = g.op(
    "Gather",
    [g.constFloat(alphasCumprod, [alphasCumprod.length], "alphas_cumprod"), timestep],
    { axis: 0 },
  );
  const alpha = g.op("Sqrt", [alphaBar]);
  const sigma = g.op("Sqrt", [g.op("Sub", [g.scalar(1), alphaBar])]);

  // Motion asked for by the prompt: the sum of the words' motion rows, saturating per branch.
  const pooled = g.op("ReduceSum", [slice(text, 0, DEMO.motionChannels, 2), ints([1])], { keepdims: 0 }); // [B,3]
  const limit = g.constFloat(DEMO.motionLimit, [DEMO.motionChannels]);
  const motion = g.op("Mul", [limit, g.op("Tanh", [g.op("Div", [pooled, limit])])]);

  // Frame position: 0 for frame 0, then the position plane's value (k/(F-1)).
  const frameIndex = g.op("Range", [
    g.constInt([0], []),
    g.op("Squeeze", [frames, ints([0])]),
    g.constInt([1], []),
  ]);
  const isLater = g.op("Cast", [g.op("Greater", [frameIndex, g.constInt([0], [])])], { to: 1 });
  const laterMask = g.op("Reshape", [isLater, ints([1, 1, -1, 1, 1])]);
  const positionPlane = slice(slice(slice(imageLatents, 0, 1, 1), 0, 1, 3), 0, 1, 4); // [B,1,F,1,1]
  const position = g.op("Mul", [positionPlane, laterMask]);

  const motionShape = g.op("Concat", [batch, ints([DEMO.motionChannels]), frames, spatial], { axis: 0 });
  const motionTarget = g.op("Expand", [
    g.op("Mul", [g.op("Reshape", [motion, ints([0, DEMO.motionChannels, 1, 1, 1])]), position]),
    motionShape,
  ]);
  const imageShape = g.op("Concat", [batch, ints([IMAGE_LATENT_CHANNELS]), frames, spatial], { axis: 0 });
  const imageTarget = g.op("Expand", [
    slice(slice(imageLatents, 0, IMAGE_LATENT_CHANNELS, 1), 0, 1, 2),
    imageShape,
  ]);
  const target = g.op("Concat", [imageTarget, motionTarget], { axis: 1 });

  // Residual conv stack over every frame (the compute knob), zero on frame 0.
  const perFrame = g.op("Reshape", [
    g.op("Transpose", [sample], { perm: [0, 2, 1, 3, 4] }),
    g.op("Concat", [ints([-1, C]), spatial], { axis: 0 }),
  ]);
  const random = createRandom(size.width * 1000 + size.depth);
  const convWeight = (out: number, inp: number, k: number) =>
    g.constFloat(
      Array.from({ length: out * inp * k * k }, () => (random() - 0.5) * Math.sqrt(12 / (inp * k * k))),
      [out, inp, k, k],
    );
  let hidden = perFrame;
  let channels: number = C;
  for (let layer = 0; layer < size.depth; layer++) {
    hidden = g.op("Relu", [
      g.op("Conv", [hidden, convWeight(size.width, channels, 3)], { pads: [1, 1, 1, 1] }),
    ]);
    channels = size.width;
  }
  const residualFrames = g.op("Tanh", [g.op("Conv", [hidden, convWeight(C, channels, 1)])]);
  const residual = g.op(
    "Transpose",
    [g.op("Reshape", [residualFrames, g.op("Concat", [batch, frames, ints([C]), spatial], { axis: 0 })])],
    { perm: [0, 2, 1, 3, 4] },
  );
  const x0 = g.op("Add", [
    target,
    g.op("Mul", [g.op("Mul", [residual, g.scalar(DEMO.residualScale)]), laterMask]),
  ]);

  // v = (alpha * x_t - x0) / sigma, the v-prediction that makes the sampler's x0 estimate exact.
  g.op("Div", [g.op("Sub", [g.op("Mul", [alpha, sample]), x0]), sigma], {}, "v_prediction");
  g.output("v_prediction", "float32", ["batch", C, "frames", "height", "width"]);
  return g.toBytes();
}
