import { copyFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { NUGET_UPSTREAM } from "../images/src/mirrors-adapter.ts";
import { fetchOrtGpuLibraries, ortVersionFromLock } from "../images/src/nuget.ts";
import { cacheDir } from "../runtime/src/config/model-dir.ts";

/**
 * Puts onnxruntime-node's CUDA provider libraries beside its binding, the way the image bake
 * does (images/src/nuget.ts: the Microsoft.ML.OnnxRuntime.Gpu.Linux package of the locked
 * version, SHA-512 verified, cached). Feeds: NUGET_FEEDS (space-separated v3 service indexes,
 * e.g. a mirror's) before the upstream index.
 */
const root = path.resolve(import.meta.dirname, "..");
const binding = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
const target = path.join(binding, "bin/napi-v6/linux/x64");
const feeds = [...(process.env.NUGET_FEEDS ?? "").split(/\s+/).filter(Boolean), NUGET_UPSTREAM];
const version = await ortVersionFromLock(path.join(root, "package-lock.json"));
const from = await fetchOrtGpuLibraries({
  feeds: [...new Set(feeds)],
  version,
  cacheDir: path.join(cacheDir(), "nuget"),
  log: (line) => console.log(line),
});
for (const file of await readdir(from)) {
  await copyFile(path.join(from, file), path.join(target, file));
  console.log(`placed ${file} in ${path.relative(root, target)}`);
}
