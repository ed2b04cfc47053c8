import { Command, Option } from "commander";
import {
  type CacheCheck,
  fetchWithProgress,
  MIRRORS,
  ModelFetchError,
} from "../runtime/src/weights/index.ts";
import { plainProgress, runCli } from "./lib/cli.ts";

// `npm run fetch-model -- REF...`: argument parsing and printing only; the work is in runtime/src/weights.
const program = new Command("fetch-model")
  .description("download model weights into the Hugging Face cache, verified against a lock file")
  .argument("<ref...>", "ORG/NAME[@REVISION] (branch, tag or commit)")
  .option("--endpoint <url>", "Hugging Face compatible endpoint (default: HF_ENDPOINT or the Hub)")
  .addOption(
    new Option("--mirror <name>", "a named mirror instead of --endpoint").choices(Object.keys(MIRRORS)),
  )
  .option("--include <glob>", "only files matching (fnmatch; repeatable)", collect, [])
  .option("--exclude <glob>", "skip files matching (repeatable)", collect, [])
  .option("--cache <dir>", "cache folder (default: HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub)")
  .option(
    "--lock <file>",
    "lock file to verify against, or to write when the model is not in it",
    "models.lock.json",
  )
  .option("--no-lock", "neither read nor write a lock file")
  .option("--update-lock", "resolve the revision again and rewrite the model's lock entry")
  .option("--token <token>", "access token for gated or private models (default: HF_TOKEN)")
  .option("--concurrency <n>", "files downloaded at once", positiveInt, 4)
  .addOption(
    new Option("--check <how>", "how cached files are checked before reuse")
      .choices(["sha256", "size"])
      .default("sha256"),
  )
  .action(async (refs: string[], o) => {
    await fetchWithProgress(
      refs,
      {
        endpoint: o.endpoint,
        mirror: o.mirror,
        include: o.include,
        exclude: o.exclude,
        cacheDir: o.cache,
        lockFile: o.lock === false ? null : o.lock,
        updateLock: Boolean(o.updateLock),
        token: o.token,
        concurrency: o.concurrency,
        cacheCheck: o.check as CacheCheck,
      },
      { live: !plainProgress(), write: (s) => process.stdout.write(s) },
    );
  });

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ModelFetchError(
      `bad --concurrency '${value}'`,
      "give a whole number of at least 1, e.g. --concurrency 4",
      "bad_option",
    );
  }
  return n;
}

await runCli(() => program.parseAsync().then(() => undefined));
