import { readFile, stat } from "node:fs/promises";
import { Command } from "commander";
import { manifestPath, type OfflineManifest, sha256File } from "../images/src/offline.ts";
import { InfraUserError } from "../infra/stack-file.ts";
import { runToolInTerminal } from "../runtime/src/util/run-tool.ts";
import { runCli } from "./lib/cli.ts";

// `npm run push-image -- --archive FILE --to oss://BUCKET/KEY --region R`: the Alibaba stack's
// pushCommand output. Checks FILE against its manifest here, then uploads the archive and, last, the
// manifest (the box waits for the manifest, so it never sees a half-uploaded archive).
const program = new Command("push-image")
  .description("upload a verified offline image archive (bake-image --offline) to the stack's OSS bucket")
  .requiredOption("--archive <file>", "archive written by `npm run bake-image -- --offline FILE`")
  .requiredOption("--to <oss-url>", "oss://BUCKET/KEY, as the stack's pushCommand output names it")
  .requiredOption("--region <region>", "the stack's region (alicloud:region)");

await runCli(async () => {
  const o = program.parse().opts<{ archive: string; to: string; region: string }>();
  if (!/^oss:\/\/[a-z0-9-]+\/.+/.test(o.to))
    throw new InfraUserError(
      `--to ${o.to} is not oss://BUCKET/KEY`,
      "copy it from `pulumi stack output pushCommand`",
    );
  const text = await readFile(manifestPath(o.archive), "utf8").catch(() => {
    throw new InfraUserError(
      `no manifest beside ${o.archive}`,
      "make the archive with `npm run bake-image -- --offline FILE`; it writes FILE.manifest.json",
    );
  });
  const manifest = JSON.parse(text) as OfflineManifest;
  const bytes = (await stat(o.archive)).size;
  if (
    manifest.format !== "i2v-offline/1" ||
    bytes !== manifest.archive.bytes ||
    (await sha256File(o.archive)) !== manifest.archive.sha256
  )
    throw new InfraUserError(
      `${o.archive} does not match its manifest: not pushing`,
      "bake the archive again with `npm run bake-image -- --offline FILE`",
    );
  const endpoint = `oss-${o.region}.aliyuncs.com`;
  for (const [from, to] of [
    [o.archive, o.to],
    [manifestPath(o.archive), `${o.to}.manifest.json`],
  ] as const) {
    console.log(`uploading ${from} -> ${to}`);
    await runToolInTerminal("aliyun", ["oss", "cp", from, to, "--force", "--endpoint", endpoint]).catch(
      (error: { shortMessage?: string }) => {
        throw new InfraUserError(
          `aliyun oss cp failed: ${error.shortMessage ?? String(error)}`,
          "install the aliyun CLI and run `aliyun configure` with an account that may write the stack's bucket",
        );
      },
    );
  }
  console.log(
    `pushed ${manifest.tags.join(", ")} (${manifest.imageId.slice(7, 19)}); the box loads it at boot`,
  );
});
