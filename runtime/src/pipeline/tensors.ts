import * as ort from "onnxruntime-node";
import type { IOSpec } from "./signature.ts";

/** A scalar-ish integer input (timestep, fps) in whatever type and rank the graph declares. */
export function numberTensor(spec: IOSpec, values: number[]): ort.Tensor {
  const dims = spec.shape.length === 0 ? [] : [values.length];
  return spec.type === "int64"
    ? new ort.Tensor("int64", BigInt64Array.from(values.map((v) => BigInt(Math.round(v)))), dims)
    : new ort.Tensor("float32", Float32Array.from(values), dims);
}

/** Token ids in the graph's integer type. */
export function idsTensor(spec: IOSpec, rows: BigInt64Array[]): ort.Tensor {
  const length = rows[0]?.length ?? 0;
  if (spec.type === "int32") {
    const data = new Int32Array(rows.length * length);
    rows.forEach((row, r) => {
      for (let i = 0; i < length; i++) data[r * length + i] = Number(row[i]);
    });
    return new ort.Tensor("int32", data, [rows.length, length]);
  }
  const data = new BigInt64Array(rows.length * length);
  rows.forEach((row, r) => {
    data.set(row, r * length);
  });
  return new ort.Tensor("int64", data, [rows.length, length]);
}

/** Stacks `copies` of the same float data along a new leading batch dimension. */
export function repeatBatch(data: Float32Array, copies: number): Float32Array {
  const out = new Float32Array(data.length * copies);
  for (let i = 0; i < copies; i++) out.set(data, i * data.length);
  return out;
}

/** RGB24 (HWC) -> planar float in [-1, 1] (CHW), the VAE's input. */
export function rgbToSigned(rgb: Uint8Array, width: number, height: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    out[p] = (rgb[3 * p] as number) / 127.5 - 1;
    out[plane + p] = (rgb[3 * p + 1] as number) / 127.5 - 1;
    out[2 * plane + p] = (rgb[3 * p + 2] as number) / 127.5 - 1;
  }
  return out;
}

/** RGB24 (HWC) -> planar float normalized with the image encoder's mean and std. */
export function rgbToNormalized(
  rgb: Uint8Array,
  size: number,
  mean: readonly number[],
  std: readonly number[],
): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = mean[c] as number;
    const s = std[c] as number;
    for (let p = 0; p < plane; p++) out[c * plane + p] = ((rgb[3 * p + c] as number) / 255 - m) / s;
  }
  return out;
}

/** Shape of a tensor as plain numbers. */
export function dimsOf(tensor: ort.Tensor): number[] {
  return tensor.dims.map(Number);
}
