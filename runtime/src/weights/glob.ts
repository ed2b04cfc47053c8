/**
 * File selection with `--include`/`--exclude` patterns. Patterns follow Python's fnmatch, as
 * huggingface_hub's allow_patterns do: `*` also crosses `/`, so `*.onnx` matches `unet/model.onnx`.
 * A pattern ending in `/` selects a folder and everything below it.
 */
export function globToRegExp(pattern: string): RegExp {
  const full = pattern.endsWith("/") ? `${pattern}*` : pattern;
  let out = "";
  for (let i = 0; i < full.length; i++) {
    const c = full[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      const close = full.indexOf("]", i + 1);
      if (close === -1) out += "\\[";
      else {
        const body = full
          .slice(i + 1, close)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        out += `[${body}]`;
        i = close;
      }
    } else out += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Keeps paths matching any include (all when none) and no exclude. */
export function selectPaths<T extends { path: string }>(
  files: readonly T[],
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): T[] {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return files.filter(
    (f) => (inc.length === 0 || inc.some((r) => r.test(f.path))) && !exc.some((r) => r.test(f.path)),
  );
}
