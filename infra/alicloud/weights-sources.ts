/**
 * Where the box fetches weights from on Alibaba: Hugging Face is blocked from mainland China, so
 * ModelScope first, then hf-mirror (both names of the weights fetcher's `--mirror`). The ModelScope
 * id of the published model (`iic/i2vgen-xl`) and its file layout were NOT verified here (no route
 * to ModelScope); when that try fails, the boot log says so and the next source is tried.
 */
export interface WeightsSource {
  mirror: string;
  ref: string;
  /** Why it is in the list and what is unverified, for the boot log and the plan. */
  note: string;
}

/** Hub repos whose ModelScope twin we know (by name; unverified). */
const MODELSCOPE_TWINS: Readonly<Record<string, string>> = {
  "ali-vilab/i2vgen-xl": "iic/i2vgen-xl",
};

/** Sources to try in order for `weights` (a Hub ref) and an optional pinned mirror. */
export function weightsSources(weights: string, mirror: string | undefined): WeightsSource[] {
  if (weights === "baked") return [];
  if (mirror) return [{ mirror, ref: weights, note: `i2v:mirror ${mirror}` }];
  const [repo, revision] = weights.split("@") as [string, string | undefined];
  const sources: WeightsSource[] = [];
  const twin = MODELSCOPE_TWINS[repo];
  if (twin) {
    sources.push({
      mirror: "modelscope",
      ref: twin,
      note: `ModelScope id ${twin} for ${repo}: id and layout unverified`,
    });
  }
  sources.push({
    mirror: "hf-mirror",
    ref: revision ? `${repo}@${revision}` : repo,
    note: "hf-mirror.com, a community reverse proxy of the Hub",
  });
  return sources;
}
