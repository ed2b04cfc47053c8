import onnxProto, { type onnx as OnnxTypes } from "onnx-proto";

// onnx-proto is CommonJS: take the namespace from its default export so Node's ESM loader accepts it.
const { onnx } = onnxProto;

/** Element types the project's graphs use, by their ONNX Runtime names. */
export type ElementType = "float32" | "float16" | "int64" | "uint8" | "bool";

const DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** A float attribute whose value happens to be an integer (ONNX distinguishes the two). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const float = (value: number): FloatAttr => new FloatAttr(value);

export type AttrValue = number | FloatAttr | string | number[] | FloatAttr[];
export type Dim = number | string;

/**
 * A small builder for ONNX graphs: the demo model and the pipeline's helper graphs are written in
 * code with it, so no model file is committed and every graph is reviewable TypeScript.
 */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: Dim[]): string {
    this.outputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** A float32 initializer. */
  constFloat(values: ArrayLike<number>, dims: number[], prefix = "c"): string {
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dataType: DATA_TYPE.float32,
      dims,
      rawData: new Uint8Array(Float32Array.from(values).buffer),
    });
    return name;
  }

  /**
   * A float32 initializer stored outside the graph, in `location` (relative to the model file) at
   * `offset`: how models over protobuf's 2 GB limit keep their weights.
   */
  constFloatExternal(dims: number[], location: string, offset: number, prefix = "w"): string {
    const name = this.fresh(prefix);
    const length = dims.reduce((a, b) => a * b, 1) * 4;
    this.initializers.push({
      name,
      dataType: DATA_TYPE.float32,
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: "location", value: location },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(length) },
      ],
    });
    return name;
  }

  /** An int64 initializer (shapes, axes, indices). */
  constInt(values: number[], dims: number[] = [values.length], prefix = "i"): string {
    const name = this.fresh(prefix);
    this.initializers.push({
      name,
      dataType: DATA_TYPE.int64,
      dims,
      rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
    });
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(value: number): string {
    return this.constFloat([value], [], "s");
  }

  /** Adds one node; returns its single output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputName?: string): string {
    const out = outputName ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: [out],
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /** Adds one node with several outputs; returns their names. */
  opMulti(
    opType: string,
    inputs: string[],
    outputs: number,
    attrs: Record<string, AttrValue> = {},
  ): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: names,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return names;
  }

  /** Serializes the model (IR 8, the given default-domain opset). */
  toBytes(opset = 20): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: "i2v-deploy",
      opsetImport: [{ domain: "", version: opset }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, type: ElementType, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof FloatAttr) return { name, type: T.FLOAT, f: value.value };
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === "number") {
    return Number.isInteger(value) ? { name, type: T.INT, i: value } : { name, type: T.FLOAT, f: value };
  }
  if (value.length > 0 && value.every((v) => v instanceof FloatAttr)) {
    return { name, type: T.FLOATS, floats: (value as FloatAttr[]).map((v) => v.value) };
  }
  const numbers = value as number[];
  return numbers.every(Number.isInteger)
    ? { name, type: T.INTS, ints: numbers }
    : { name, type: T.FLOATS, floats: numbers };
}
