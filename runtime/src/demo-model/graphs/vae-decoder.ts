import { GraphBuilder } from "../../onnx/graph-builder.ts";
import { DEMO, IMAGE_LATENT_CHANNELS, LATENT_CHANNELS } from "../constants.ts";

/**
 * VAE decoder: pixel shuffle back to the image, then render the camera the latent's motion
 * channels ask for (pan as a translation, zoom as a scale, one affine warp). Zero motion is the
 * identity, so frame 0 is the input image.
 */
export function vaeDecoderGraph(): Uint8Array {
  const g = new GraphBuilder("demo_vae_decoder");
  const latent = g.input("latent_sample", "float32", [
    "batch",
    LATENT_CHANNELS,
    "latent_height",
    "latent_width",
  ]);
  const axis1 = g.constInt([1]);
  const one = g.constInt([1]);
  const imageLatent = g.op("Slice", [
    latent,
    g.constInt([0]),
    g.constInt([IMAGE_LATENT_CHANNELS]),
    axis1,
    one,
  ]);
  const image = g.op("DepthToSpace", [imageLatent], { blocksize: DEMO.vaeScaleFactor, mode: "DCR" });

  const motionPlanes = g.op("Slice", [
    latent,
    g.constInt([IMAGE_LATENT_CHANNELS]),
    g.constInt([LATENT_CHANNELS]),
    axis1,
    one,
  ]);
  const motion = g.op("ReduceMean", [motionPlanes, g.constInt([2, 3])], { keepdims: 0 }); // [N,3]
  const pick = (index: number) =>
    g.op("Slice", [motion, g.constInt([index]), g.constInt([index + 1]), axis1, one]); // [N,1]
  const { pan, zoomIn, zoomOut } = DEMO.renderLimit;
  const panX = g.op("Clip", [pick(0), g.scalar(-pan), g.scalar(pan)]);
  const panY = g.op("Clip", [pick(1), g.scalar(-pan), g.scalar(pan)]);
  const zoom = g.op("Clip", [pick(2), g.scalar(zoomOut), g.scalar(zoomIn)]);
  // Scale < 1 zooms in; a pan only translates (no zoom to keep the view inside the picture, which
  // made "pan left" look like a zoom): where the view leaves the picture, GridSample's reflection
  // padding mirrors its edge back in.
  const scale = g.op("Exp", [g.op("Neg", [zoom])]);
  const zero = g.op("Mul", [panX, g.scalar(0)]);
  const thetaFlat = g.op("Concat", [scale, zero, panX, zero, scale, panY], { axis: 1 });
  const theta = g.op("Reshape", [thetaFlat, g.constInt([-1, 2, 3])]);
  const grid = g.op("AffineGrid", [theta, g.op("Shape", [image])], { align_corners: 0 });
  g.op(
    "GridSample",
    [image, grid],
    { mode: "linear", padding_mode: "reflection", align_corners: 0 },
    "sample",
  );
  g.output("sample", "float32", ["batch", 3, "height", "width"]);
  return g.toBytes();
}
