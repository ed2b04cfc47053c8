import onnxProto, { type onnx as OnnxTypes } from "onnx-proto";

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;

/**
 * An fp16 variant of a graph's convolutions: every Conv whose weights are float32 initializers
 * gets fp16 weights (and bias), with Cast nodes at its boundary so the rest of the graph and its
 * inputs and outputs stay float32. The convolutions carry nearly all of the demo UNet's compute,
 * so this measures what fp16 weights and math buy on a provider that runs them (CUDA); the casts
 * cost a little memory traffic, which a real fp16 export would not pay.
 */
export function convsToFp16(model: Uint8Array): Uint8Array {
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const nodes: OnnxTypes.INodeProto[] = [];
  let n = 0;
  for (const node of graph.node ?? []) {
    const weight = initializers.get(node.input?.[1] ?? "");
    if (node.opType !== "Conv" || !weight || weight.dataType !== FLOAT) {
      nodes.push(node);
      continue;
    }
    n += 1;
    const inputs = [...node.input!];
    for (const i of [1, 2]) {
      const t = initializers.get(inputs[i] ?? "");
      if (!t) continue;
      const half = { ...t, name: `${t.name}_fp16`, dataType: FLOAT16, rawData: toHalfBytes(floatsOf(t)) };
      graph.initializer!.push(half);
      inputs[i] = half.name;
    }
    const x = `conv${n}_x_fp16`;
    const y = `conv${n}_y_fp16`;
    nodes.push(cast(inputs[0]!, x, FLOAT16, `conv${n}_cast_in`));
    nodes.push({ ...node, input: [x, ...inputs.slice(1)], output: [y] });
    nodes.push(cast(y, node.output![0]!, FLOAT, `conv${n}_cast_out`));
  }
  graph.node = nodes;
  // Initializers no longer referenced (the float32 weights) are dropped so the file halves too.
  const used = new Set(nodes.flatMap((node) => node.input ?? []));
  graph.initializer = graph.initializer!.filter((t) => used.has(t.name!));
  return onnx.ModelProto.encode(decoded).finish();
}

function cast(input: string, output: string, to: number, name: string): OnnxTypes.INodeProto {
  return {
    opType: "Cast",
    name,
    input: [input],
    output: [output],
    attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: to }],
  };
}

function floatsOf(t: OnnxTypes.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // aligned copy: rawData may sit at an odd offset
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** IEEE 754 binary16 bytes (little-endian), round to nearest even, with subnormals. */
export function toHalfBytes(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    const mant = x & 0x7fffff;
    if (((x >>> 23) & 0xff) === 0xff) out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
    else if (exp >= 0x1f) out[i] = sign | 0x7c00;
    else if (exp <= 0) {
      if (exp < -10) out[i] = sign;
      else {
        const m = (mant | 0x800000) >>> (1 - exp);
        out[i] = sign | ((m + 0xfff + ((m >>> 13) & 1)) >>> 13);
      }
    } else out[i] = sign | ((exp << 10) + ((mant + 0xfff + ((mant >>> 13) & 1)) >>> 13));
  }
  return new Uint8Array(out.buffer);
}

/** How many convolutions of a serialized model take fp16 weights, and how many in all. */
export function fp16Convs(model: Uint8Array): { fp16: number; total: number } {
  const graph = onnx.ModelProto.decode(model).graph!;
  const types = new Map((graph.initializer ?? []).map((t) => [t.name!, t.dataType]));
  const convs = (graph.node ?? []).filter((n) => n.opType?.endsWith("Conv"));
  return {
    fp16: convs.filter((n) => types.get(n.input?.[1] ?? "") === FLOAT16).length,
    total: convs.length,
  };
}
