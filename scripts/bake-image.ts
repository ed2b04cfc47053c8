import path from "node:path";
import { Command, Option } from "commander";
import Dockerode from "dockerode";
import { Listr, PRESET_TIMER } from "listr2";
import { type BakeState, bakeStages, timed } from "../images/src/bake.ts";
import { dockerClient } from "../images/src/docker-client.ts";
import { formatSummary } from "../images/src/summary.ts";
import { deadline } from "../runtime/src/util/deadline.ts";
import { plainProgress, runCli } from "./lib/cli.ts";

const program = new Command("bake-image")
  .description(
    "Build the runtime's Docker image from a recipe (images/recipes), with mirrors and layer caching.",
  )
  .option(
    "--recipe <name|file>",
    "recipe: production (CUDA base) or debian-local (built here from Debian)",
    "production",
  )
  .option("--mirror <name>", "auto, upstream, or a provider from mirrors/catalog.yaml", "auto")
  .option("--base <image>", "override the recipe's base image")
  .option("--model <ref>", "demo, a weights folder, or a Hub reference", "demo")
  .addOption(
    new Option("--weights <mode>", "bake weights in a layer, or mount them at run time")
      .choices(["baked", "volume"])
      .default("baked"),
  )
  .option(
    "--gpu",
    "add ONNX Runtime's CUDA provider and the CUDA libraries it links (see --gpu-source)",
    false,
  )
  .addOption(
    new Option(
      "--gpu-source <where>",
      "pypi: onnxruntime-gpu and NVIDIA's CUDA/cuDNN wheels, checked in the image; nuget: the provider only (the base brings CUDA)",
    )
      .choices(["pypi", "nuget"])
      .default("pypi"),
  )
  .option("--nuget-feed <url...>", "NuGet v3 service index(es) to try first")
  .option("--tag <image>", "image tag", "i2v-runtime:latest")
  .option(
    "--offline <file>",
    "also write a compressed archive (.tar.gz or .tar.zst) with a manifest beside it",
  )
  .option(
    "--context-out <dir>",
    "write the build context (Dockerfile and files) to DIR and stop before building",
  )
  .option("--ca-file <pem>", "extra CA bundle for npm inside the build (default: NODE_EXTRA_CA_CERTS)")
  .option("--skip-runtime-build", "use the runtime's current build output", false)
  .option("--timeout <minutes>", "give up after this long", (v) => Number(v), 60);

await runCli(async () => {
  const o = program.parse().opts();
  const client = dockerClient(new Dockerode());
  const plain = plainProgress();
  const state: BakeState = {
    options: {
      recipe: o.recipe,
      projectDir: process.cwd(),
      mirror: o.mirror,
      base: o.base,
      model: o.model,
      weights: o.weights,
      gpu: o.gpu,
      gpuSource: o.gpuSource,
      nugetFeeds: o.nugetFeed,
      tag: o.tag,
      offline: o.offline,
      contextOut: o.contextOut,
      caFile: o.caFile,
      skipRuntimeBuild: o.skipRuntimeBuild,
      signal: deadline(o.timeout * 60_000, undefined, { unref: true }).signal,
      // Docker's own step lines, so a long step shows what it is doing.
      onEntry: plain
        ? (e) => e.stream?.startsWith("Step ") && console.log(`  ${e.stream.trim()}`)
        : undefined,
      log: (line) => console.log(`  ${line}`),
    },
    cacheDir: path.resolve(".cache/images"),
    timings: {},
  };
  const tasks = new Listr(
    bakeStages(client).map((stage) => ({ title: stage.title, task: () => timed(state, stage) })),
    {
      renderer: "default",
      fallbackRenderer: "simple",
      fallbackRendererCondition: plain,
      rendererOptions: { timer: PRESET_TIMER },
      fallbackRendererOptions: { timer: PRESET_TIMER },
      exitOnError: true,
    },
  );
  await tasks.run();
  console.log(formatSummary(state));
});
