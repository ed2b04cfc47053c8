import type { BakeState } from "./bake.ts";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The bake's closing lines: image, size, layers reused, mirror, archive, time per stage. */
export function formatSummary(s: BakeState): string {
  const total = Object.values(s.timings).reduce((a, b) => a + b, 0);
  const stages = Object.entries(s.timings)
    .filter(([, t]) => t >= 0.05)
    .map(([name, t]) => `${name} ${t.toFixed(1)}s`)
    .join(", ");
  if (!s.image)
    return `wrote the build context for ${s.options.tag} to ${s.options.contextOut} (mirror ${s.mirror?.name}); not built\n  stages: ${stages}`;
  const lines = [
    `baked ${s.options.tag} (${s.image?.id.slice(7, 19)}) in ${total.toFixed(1)}s: ${mb(s.image?.size ?? 0)}, ` +
      `${s.cachedSteps}/${s.totalSteps} steps from cache, mirror ${s.mirror?.name}`,
    `  stages: ${stages}`,
  ];
  if (s.archive)
    lines.push(
      `  offline: ${s.options.offline} (${mb(s.archive.archive.bytes)}, sha256 ${s.archive.archive.sha256.slice(0, 16)}...), ` +
        "load on the host with `npm run load-image -- FILE`",
    );
  if (s.options.weights === "volume" && s.model?.kind === "folder")
    lines.push(`  weights not baked: mount ${s.model.dir} at /models/${s.model.slug} (docker run -v ...:ro)`);
  return lines.join("\n");
}
