import { Command } from "commander";
import { buildAlicloudPlan, formatAlicloudPlan } from "../infra/alicloud/deploy-plan.ts";
import { loadAlicloudPrices } from "../infra/alicloud/prices.ts";
import { settingsFromStackFile } from "../infra/cli-settings.ts";
import { buildDeployPlan, formatDeployPlan } from "../infra/estimate/deploy-plan.ts";
import { loadPriceTable } from "../infra/estimate/prices.ts";
import { formatResourcePreview, previewProgram } from "../infra/preview/run-program.ts";
import { InfraUserError, readPulumiConfig } from "../infra/stack-file.ts";
import { runCli } from "./lib/cli.ts";

// `npm run deploy-plan -- [--stack NAME] [--resources] [--json]`: what `pulumi up` would place, what it costs per
// hour, how long to a video; with --resources, every resource it would create (Pulumi mocks, no account).
const program = new Command("deploy-plan")
  .description(
    "print placements, estimated hourly cost and expected time to first video (no AWS access needed)",
  )
  .option("--stack <name>", "read Pulumi.<name>.yaml (default: Pulumi.example.yaml)")
  .option("--image-gb <n>", "compressed image size without weights, GB", "8")
  .option("--weights-gb <n>", "model weights, GB", "12")
  .option("--generation-seconds <low-high>", "first generation time on this GPU", "60-300")
  .option(
    "--resources",
    "list every resource `pulumi up` would create (the real program under Pulumi's mocks)",
  )
  .option("--json", "print the plan as JSON");

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new InfraUserError(`bad ${name} '${text}'`, `give a positive number, e.g. ${name} 10`);
  return n;
}

await runCli(async () => {
  const o = program.parse().opts<{
    stack?: string;
    imageGb: string;
    weightsGb: string;
    generationSeconds: string;
    json?: boolean;
    resources?: boolean;
  }>();
  if (o.resources) {
    // Validate the way the CLI does (one clear error) before the program runs and throws its own.
    settingsFromStackFile(process.cwd(), o.stack);
    const { stack, config, secretKeys } = readPulumiConfig(process.cwd(), o.stack);
    const preview = await previewProgram(stack, config, secretKeys);
    console.log(o.json ? JSON.stringify(preview, null, 2) : formatResourcePreview(preview));
    return;
  }
  const { file, settings, warnings } = settingsFromStackFile(process.cwd(), o.stack);
  const [low, high] = o.generationSeconds.split("-").map((s) => positive("--generation-seconds", s));
  if (low === undefined || high === undefined || low > high) {
    throw new InfraUserError(
      `bad --generation-seconds '${o.generationSeconds}'`,
      "give LOW-HIGH in seconds, e.g. 60-300",
    );
  }
  const assumptions = {
    imageGB: positive("--image-gb", o.imageGb),
    weightsGB: positive("--weights-gb", o.weightsGb),
    generationSeconds: [low, high] as [number, number],
  };
  if (settings.cloud === "alicloud") {
    const plan = buildAlicloudPlan(settings, loadAlicloudPrices(), assumptions);
    console.log(
      o.json
        ? JSON.stringify(plan, null, 2)
        : `i2v deploy plan: stack ${file.stack} (${file.path})\n\n${formatAlicloudPlan(plan)}`,
    );
    for (const warning of o.json ? [] : warnings) console.log(`\nnote: ${warning}`);
    return;
  }
  const plan = buildDeployPlan(settings, loadPriceTable(), assumptions);
  if (o.json) {
    console.log(JSON.stringify(plan, null, 2));
    return;
  }
  console.log(`i2v deploy plan: stack ${file.stack} (${file.path})\n`);
  console.log(formatDeployPlan(plan));
  for (const warning of warnings) console.log(`\nnote: ${warning}`);
});
