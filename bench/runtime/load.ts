import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { loadManifest } from "../../runtime/src/pipeline/manifest.ts";
import { chooseProvider } from "../../runtime/src/pipeline/providers.ts";
import {
  type RuntimeOptionsInput,
  runtimeOptionsSchema,
} from "../../runtime/src/pipeline/runtime-options.ts";
import { ModelSessions } from "../../runtime/src/pipeline/sessions.ts";
import { loadTokenizer } from "../../runtime/src/pipeline/tokenize.ts";

/**
 * `LoadedModel.load` without its warm-up generation: manifest, provider choice, every ORT session
 * (the five components and the frames-to-RGB helper) and the tokenizer. Returns the elapsed ms;
 * the sessions are released before returning.
 */
export async function loadWithoutWarmup(dir: string, input: RuntimeOptionsInput): Promise<number> {
  const started = performance.now();
  const options = runtimeOptionsSchema.parse(input);
  const provider = await chooseProvider(options);
  const loaded = await loadManifest(dir, options.variant ?? "fp32");
  const sessions = await ModelSessions.create(loaded, options, provider);
  await loadTokenizer(loaded.tokenizerFile, loaded.manifest.tokenizer);
  const elapsed = performance.now() - started;
  await sessions.release();
  return elapsed;
}

/** Every .onnx file under `dir`. */
export async function onnxFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".onnx"))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Total bytes of the model's ONNX files. */
export async function onnxBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of await onnxFiles(dir)) total += (await stat(file)).size;
  return total;
}

/**
 * The physical floor of a load: reading every ONNX file of the model into memory, one after the
 * other as the session creation does. Run it after a first read so the page cache is warm for both.
 */
export async function readFloor(dir: string): Promise<number> {
  const files = await onnxFiles(dir);
  const started = performance.now();
  for (const file of files) await readFile(file);
  return performance.now() - started;
}
