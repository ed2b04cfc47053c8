import { ModelFetchError } from "./errors.ts";
import { type FetchModelOptions, type FetchModelResult, fetchModel } from "./fetch-model.ts";
import { createProgressRenderer } from "./progress.ts";

/**
 * What both command lines (the npm front door and the one inside the image) do: fetch each
 * reference in turn with progress output and a summary line, and stop cleanly on Ctrl-C or SIGTERM
 * (partial files stay as `.incomplete` and the next run resumes them).
 */
export async function fetchWithProgress(
  refs: readonly string[],
  options: Omit<FetchModelOptions, "ref" | "signal" | "onEvent">,
  output: { live: boolean; write: (text: string) => void },
): Promise<FetchModelResult[]> {
  const abort = new AbortController();
  const stop = () =>
    abort.abort(new ModelFetchError("interrupted", "run the same command again to resume", "interrupted"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    const results: FetchModelResult[] = [];
    for (const ref of refs) {
      const progress = createProgressRenderer(output);
      const result = await fetchModel({ ...options, ref, signal: abort.signal, onEvent: progress.onEvent });
      progress.finish(result);
      results.push(result);
    }
    return results;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
