import { readFile } from "node:fs/promises";
import { I2vError } from "../errors.ts";

/** A float32 array read from a NumPy .npy file, with its shape. */
export interface NpyFloat32 {
  data: Float32Array;
  shape: number[];
}

/**
 * Reads a NumPy .npy file (format 1.0-3.0) holding little-endian float32 in C order, as
 * `np.save(path, array.astype(np.float32))` writes it. Anything else is refused with the reason.
 */
export async function readNpyFloat32(file: string): Promise<NpyFloat32> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new I2vError("invalid_parameters", `Cannot read ${file}: ${error.code ?? error.message}`);
  });
  const fail = (why: string) =>
    new I2vError(
      "invalid_parameters",
      `${file} is not a float32 .npy array: ${why}. Write it with np.save(path, x.astype(np.float32)).`,
    );
  if (bytes.length < 10 || bytes.toString("latin1", 0, 6) !== "\x93NUMPY") throw fail("no NumPy magic");
  const major = bytes[6] as number;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString(major === 3 ? "utf8" : "latin1", major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== "<f4") throw fail(`dtype ${descr ?? "unknown"}`);
  if (/'fortran_order':\s*True/.test(header)) throw fail("Fortran order");
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw fail("no shape in the header");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4)
    throw fail(`${bytes.length - start} data bytes for shape (${shape.join(", ")})`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = bytes.readFloatLE(start + i * 4);
  return { data, shape };
}
