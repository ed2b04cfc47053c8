import { Command } from "commander";
import { ClientError } from "../client/api-error.ts";
import { DEFAULT_SMOKE_IMAGE, runSmoke, SmokeError } from "../client/smoke.ts";
import { formatMs, formatPhases } from "../client/smoke-phases.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("smoke")
  .description("One real generation against a running runtime, verified end to end.")
  .requiredOption("--url <url>", "base URL of the runtime, e.g. https://203.0.113.7:7860")
  .option("--token <token>", "bearer token (default: $I2V_TOKEN)", process.env.I2V_TOKEN)
  .option("--ca <file>", "PEM file of the deployment's CA; only that CA is trusted (pinned)")
  .option("--image <file>", "photo to send", DEFAULT_SMOKE_IMAGE)
  .option("--prompt <text>", "prompt", "zoom in")
  .option("--preset <name>", "preset", "quick")
  .option("--timeout <s>", "limit for the whole run, readiness wait included", (v) => Number(v), 600)
  .option("--keep-video", "keep the downloaded MP4 and print its path")
  .option("--json", "print the report as JSON on stdout (progress goes to stderr)");

await runCli(async () => {
  const opts = program.parse().opts();
  // With --json, stdout carries only the report so that scripts can parse it.
  const log = opts.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  try {
    const report = await runSmoke({
      url: opts.url,
      token: opts.token,
      caFile: opts.ca,
      image: opts.image,
      prompt: opts.prompt,
      preset: opts.preset,
      timeoutS: opts.timeout,
      keepVideo: Boolean(opts.keepVideo),
      log,
    });
    if (opts.json) {
      console.log(JSON.stringify({ ok: true, ...report }, null, 2));
      return;
    }
    const { job, video } = report;
    const r = job.result!;
    console.log(`checks: ${video.checks.map((c) => `${c.name} ${c.actual}`).join(", ")}`);
    if (video.path) console.log(`video kept at ${video.path}`);
    console.log("time to first video:");
    for (const line of formatPhases(report.phases)) console.log(line);
    console.log(
      `smoke passed: job ${job.id}, ${r.width}x${r.height}, ${r.frames} frames at ${r.fps} fps, ` +
        `first frame ${video.psnrDb.toFixed(1)} dB, first video in ${formatMs(report.timeToFirstVideoMs)}`,
    );
  } catch (error) {
    // Scripts that read --json get a verdict on stdout for user errors too; bugs stay on stderr.
    if (opts.json && error instanceof ClientError) {
      const report = error instanceof SmokeError ? error.report : undefined;
      const verdict = { ok: false, code: error.code, message: error.message, hint: error.hint, ...report };
      console.log(JSON.stringify(verdict, null, 2));
    }
    throw error;
  }
});
