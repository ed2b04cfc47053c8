import { symlink, unlink } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PROVIDER_LIBS } from "../images/src/cuda-stack.ts";
import { fetchCudaLibs } from "../images/src/cuda-wheels.ts";
import { ortVersionFromLock } from "../images/src/nuget.ts";
import { cacheDir } from "../runtime/src/config/model-dir.ts";
import { CUDA_REQUIREMENTS } from "../runtime/src/gpu/cuda-requirements.ts";

/**
 * Puts ONNX Runtime's CUDA provider beside onnxruntime-node's binding the way the GPU image does
 * (images/src/cuda-wheels.ts: onnxruntime-gpu of the locked version with its CUDA and cuDNN wheels
 * from PyPI, checked against runtime/src/gpu/cuda-requirements.ts, cached), and prints the folder
 * of CUDA libraries as its last line, for LD_LIBRARY_PATH. pip's own configuration picks the index
 * (PIP_INDEX_URL for a mirror).
 */
const root = path.resolve(import.meta.dirname, "..");
const binding = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
const target = path.join(binding, "bin/napi-v6/linux/x64");
const libs = await fetchCudaLibs({
  requirements: CUDA_REQUIREMENTS,
  onnxruntimeNode: await ortVersionFromLock(path.join(root, "package-lock.json")),
  indexes: [undefined],
  cacheDir: path.join(cacheDir(), "gpu-bench"),
  log: (line) => console.error(line),
});
for (const lib of PROVIDER_LIBS) {
  await unlink(path.join(target, lib)).catch(() => undefined);
  await symlink(path.join(libs.dir, lib), path.join(target, lib));
  console.error(`linked ${lib} into ${path.relative(root, target)}`);
}
console.log(libs.dir);
