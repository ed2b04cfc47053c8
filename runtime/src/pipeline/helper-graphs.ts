import { GraphBuilder } from "../onnx/graph-builder.ts";

/** Small graphs the pipeline builds for itself, for any model. */

/** Decoder output in [-1, 1], NCHW float -> RGB24 frames, NHWC uint8, ready for ffmpeg. */
export function framesToRgbGraph(): Uint8Array {
  const g = new GraphBuilder("frames_to_rgb");
  const images = g.input("images", "float32", ["frames", 3, "height", "width"]);
  const scaled = g.op("Mul", [g.op("Add", [images, g.scalar(1)]), g.scalar(127.5)]);
  const clipped = g.op("Clip", [scaled, g.scalar(0), g.scalar(255)]);
  const bytes = g.op("Cast", [g.op("Round", [clipped])], { to: 2 });
  g.op("Transpose", [bytes], { perm: [0, 2, 3, 1] }, "rgb");
  g.output("rgb", "uint8", ["frames", "height", "width", 3]);
  return g.toBytes(18);
}
