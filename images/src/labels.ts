import type { MirrorChoice } from "./mirrors-adapter.ts";
import type { Recipe } from "./recipe.ts";
import type { ResolvedModel } from "./weights.ts";

/** Facts recorded on the image, so a running box can say exactly what it is. */
export interface LabelFacts {
  recipe: Recipe;
  hash: string;
  revision: string;
  model: ResolvedModel;
  mirror: MirrorChoice["name"];
}

/** OCI annotations plus the toolkit's own `ai.i2v.*` keys. */
export function imageLabels(f: LabelFacts): Record<string, string> {
  return {
    ...f.recipe.labels,
    "org.opencontainers.image.revision": f.revision,
    "org.opencontainers.image.base.name": f.recipe.base,
    "ai.i2v.recipe": f.recipe.name,
    "ai.i2v.recipe.hash": f.hash,
    "ai.i2v.model.ref": f.model.kind === "demo" ? "demo" : f.model.ref,
    // The demo model is built by the runtime at first start, so it has no weights digest.
    "ai.i2v.model.digest":
      f.model.kind === "demo" ? "none (built at first start)" : `sha256:${f.model.digest}`,
    "ai.i2v.mirror": f.mirror,
  };
}
