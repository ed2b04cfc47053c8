import { Command } from "commander";
import Dockerode from "dockerode";
import { dockerClient } from "../images/src/docker-client.ts";
import { loadArchive } from "../images/src/offline.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("load-image")
  .description("Verify an offline image archive against its manifest (sha256, size), then docker load it.")
  .argument(
    "<file>",
    "archive written by `npm run bake-image -- --offline FILE` (manifest: FILE.manifest.json)",
  );

await runCli(async () => {
  const [file] = program.parse().args as [string];
  const started = performance.now();
  const manifest = await loadArchive(dockerClient(new Dockerode()), file);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `verified and loaded ${manifest.tags.join(", ")} (${manifest.imageId.slice(7, 19)}) in ${seconds}s`,
  );
});
