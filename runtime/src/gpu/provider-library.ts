import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Where onnxruntime-node's binding sits; ORT loads its providers from the same folder. */
export function ortNativeDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("onnxruntime-node/package.json");
    return path.join(path.dirname(pkg), "bin", "napi-v6", process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/**
 * The dynamic loader's own message for a provider library that does not load. onnxruntime-node
 * reports only "Failed to load shared library" to JavaScript (the library's name goes to ORT's log
 * on stderr), so the runtime asks the loader itself: `process.dlopen` on the same file returns
 * dlerror()'s text, which names the missing dependency (e.g. `libcuda.so.1: cannot open shared
 * object file`). Undefined when the libraries load.
 */
export function providerLoadError(provider: string, dir = ortNativeDir()): string | undefined {
  if (!dir) return undefined;
  for (const name of ["shared", provider]) {
    const file = path.join(dir, `libonnxruntime_providers_${name}.so`);
    if (!existsSync(file)) return `${file} does not exist`;
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, file);
    } catch (error) {
      const message = (error as Error).message;
      // Loaded, but it is not a Node addon: that is what a loadable provider library answers.
      if (/did not self-register|Module did not|napi_register_module/i.test(message)) continue;
      return message;
    }
  }
  return undefined;
}
