import { readFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import { summarizeJobLog, summaryText } from "../client/log-summary.ts";
import { cacheDir } from "../runtime/src/config/model-dir.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("logs").description("Read the runtime's job log.");
program
  .command("summary")
  .description("p50/p95 run time and queue wait per preset, failures by cause")
  .argument(
    "[files...]",
    "job logs (JSON lines; - for stdin, e.g. docker logs NAME | npm run logs -- summary -)",
  )
  .option("--json", "print JSON")
  .action(async (files: string[], opts: { json?: boolean }) => {
    const sources =
      files.length > 0
        ? files
        : [path.join(process.env.I2V_DATA_DIR ?? path.join(cacheDir(), "data"), "jobs.log")];
    const lines: string[] = [];
    for (const source of sources) lines.push(...(await readSource(source)).split("\n"));
    const summary = summarizeJobLog(lines);
    if (opts.json) {
      console.log(JSON.stringify(summary, null, 2));
      return;
    }
    if (summary.presets.length === 0) {
      console.log(`no finished jobs in ${sources.join(", ")}`);
      return;
    }
    console.log(summaryText(summary));
  });

await runCli(async () => {
  await program.parseAsync();
});

async function readSource(source: string): Promise<string> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(source, "utf8");
  } catch (error) {
    throw Object.assign(new Error(`cannot read ${source}: ${(error as NodeJS.ErrnoException).code}`), {
      hint: "Pass the job log (DATA_DIR/jobs.log) or pipe the service's output with -.",
    });
  }
}
