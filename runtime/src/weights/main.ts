import { parseArgs } from "node:util";
import { isUserFacing } from "../util/user-facing-error.ts";
import { ModelFetchError } from "./errors.ts";
import type { CacheCheck } from "./fetch-file.ts";
import { fetchWithProgress } from "./run-fetch.ts";

/**
 * The fetch command inside the image, where only the runtime and its dependencies exist (no tsx,
 * no commander): `node dist/weights/main.js REF... [options]`, the same options as
 * `npm run fetch-model` (see docs/weights.md). Exit 1 for errors with a hint, 2 for bugs.
 */
async function main(): Promise<void> {
  const { values: o, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      endpoint: { type: "string" },
      mirror: { type: "string" },
      include: { type: "string", multiple: true },
      exclude: { type: "string", multiple: true },
      cache: { type: "string" },
      lock: { type: "string", default: "models.lock.json" },
      "no-lock": { type: "boolean" },
      "update-lock": { type: "boolean" },
      token: { type: "string" },
      concurrency: { type: "string", default: "4" },
      check: { type: "string", default: "sha256" },
    },
  });
  const concurrency = Number(o.concurrency);
  if (
    positionals.length === 0 ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    !["sha256", "size"].includes(o.check)
  ) {
    throw new ModelFetchError(
      "usage: main.js ORG/NAME[@REV]... [--mirror NAME] [--include GLOB] ...",
      "see docs/weights.md",
      "usage",
    );
  }
  await fetchWithProgress(
    positionals,
    {
      endpoint: o.endpoint,
      mirror: o.mirror,
      include: o.include,
      exclude: o.exclude,
      cacheDir: o.cache,
      lockFile: o["no-lock"] ? null : o.lock,
      updateLock: o["update-lock"],
      token: o.token,
      concurrency,
      cacheCheck: o.check as CacheCheck,
    },
    { live: Boolean(process.stdout.isTTY) && !process.env.CI, write: (s) => process.stdout.write(s) },
  );
}

main().catch((error: unknown) => {
  if (isUserFacing(error)) {
    console.error(`error: ${error.message}\nhint: ${error.hint}`);
    process.exitCode = 1;
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    console.error("This is a bug in i2v-deploy; please report it with the output above.");
    process.exitCode = 2;
  }
});
