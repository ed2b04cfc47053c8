import { Command, Option } from "commander";
import Dockerode from "dockerode";
import { formatPhases } from "../client/smoke-phases.ts";
import { upLocal } from "../images/src/up-local.ts";
import { upScaled } from "../images/src/up-scaled.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("up")
  .description(
    "Bake, run and verify the runtime: on the local Docker engine (AWS: use pulumi up / npm run deploy).",
  )
  .addOption(new Option("--target <target>", "where to deploy").choices(["local", "aws"]).default("local"))
  .option(
    "--recipe <name>",
    "image recipe (debian-local builds with no registry; production needs the CUDA base)",
    "debian-local",
  )
  .option("--mirror <name>", "auto, upstream, or a catalog provider", "upstream")
  .option("--model <ref>", "demo, a weights folder, or a Hub reference", "demo")
  .option("--tag <image>", "image tag", "i2v-runtime:local")
  .option("--port <n>", "loopback port for the service (default: a free one)", (v) => Number(v))
  .option("--token <t>", "require this bearer token (16+ characters)")
  .option("--ready-timeout <s>", "seconds to wait for the model to load", (v) => Number(v), 300)
  .option("--stop-after", "remove the container after the smoke test", false)
  .option(
    "--workers <n>",
    "scale out: a Redis, one API container and N worker containers (docs/scale-out.md)",
    (v) => Number(v),
  );

await runCli(async () => {
  const o = program.parse().opts();
  if (o.target === "aws") {
    throw Object.assign(new Error("The AWS target is deployed with Pulumi."), {
      hint: "Run `npm run deploy-plan` to see cost and placements, then `pulumi up` (or `npm run deploy` for capacity fallbacks); docs/infra.md.",
    });
  }
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1)) {
    throw Object.assign(new Error(`--workers ${o.workers} is not a whole number of at least 1.`), {
      hint: "Use for example --workers 2.",
    });
  }
  const up = o.workers
    ? (docker: Dockerode, opts: Parameters<typeof upLocal>[1]) =>
        upScaled(docker, { ...opts, workers: o.workers })
    : upLocal;
  const report = await up(new Dockerode(), {
    recipe: o.recipe,
    mirror: o.mirror,
    model: o.model,
    tag: o.tag,
    projectDir: process.cwd(),
    ...(o.port ? { port: o.port } : {}),
    ...(o.token ? { env: { I2V_TOKEN: o.token } } : {}),
    readyTimeoutS: o.readyTimeout,
    keep: !o.stopAfter,
    log: (line) => console.log(line),
  });
  const total = report.stages.reduce((sum, s) => sum + s.ms, 0);
  console.log("\ntime to first video:");
  for (const stage of report.stages)
    console.log(`  ${stage.name.padEnd(28)} ${(stage.ms / 1000).toFixed(1)} s`);
  for (const line of formatPhases(report.smoke.phases)) console.log(`    ${line}`);
  console.log(`  ${"total".padEnd(28)} ${(total / 1000).toFixed(1)} s`);
  if ("containers" in report)
    for (const [name, id] of Object.entries(report.containers as Record<string, string>))
      console.log(`  ${name.padEnd(10)} container ${id.slice(0, 12)}`);
  console.log(
    o.stopAfter
      ? "container(s) removed"
      : `serving at ${report.url} (container ${report.containerId.slice(0, 12)})`,
  );
});
