import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { Command } from "commander";
import { deployWithFallbacks, formatAttempts } from "../infra/capacity/fallback.ts";
import { settingsFromStackFile } from "../infra/cli-settings.ts";
import { formatPlacement } from "../infra/decisions/capacity.ts";
import { candidatesFor } from "../infra/plan.ts";
import { InfraUserError } from "../infra/stack-file.ts";
import { runCli } from "./lib/cli.ts";

// `npm run deploy-aws -- --stack NAME`: `pulumi up`, moving to the next (type, zone) when AWS has no capacity.
// Needs the pulumi CLI and AWS credentials; plain `pulumi up` deploys only the current placement.
const program = new Command("deploy-aws")
  .description("pulumi up with capacity fallbacks: tries each placement from `npm run deploy-plan` in order")
  .requiredOption("--stack <name>", "the Pulumi stack (Pulumi.<name>.yaml)");

await runCli(async () => {
  const { stack: stackName } = program.parse().opts<{ stack: string }>();
  const { settings } = settingsFromStackFile(process.cwd(), stackName);
  const stack = await LocalWorkspace.selectStack({ stackName, workDir: process.cwd() }).catch(
    (error: Error) => {
      // The automation API reports a missing binary only as "code: -2" (ENOENT from spawn).
      const missingCli = /code: -2\b|ENOENT/.test(error.message);
      throw new InfraUserError(
        missingCli
          ? "the pulumi CLI is not on PATH"
          : `cannot select stack ${stackName}: ${error.message.split("\n")[0]}`,
        "install the pulumi CLI, run `pulumi login`, then `pulumi stack init` the stack (docs/infra.md)",
      );
    },
  );
  if (settings.workers) {
    // Mixed instances: the group itself tries every fallback type, so there is nothing to loop over.
    console.log(
      "scale-out stack: the workers' Auto Scaling group places them over the fallback types itself",
    );
    await stack.up({ onOutput: (text) => process.stdout.write(text) });
    console.log('deployed; next: eval "$(pulumi stack output smokeCommand)"');
    return;
  }
  const candidates = candidatesFor(settings);
  console.log(`trying up to ${candidates.length} placements: ${candidates.map(formatPlacement).join(", ")}`);
  const result = await deployWithFallbacks(
    candidates,
    async (candidate) => {
      // The placement stays in the stack config, so a later plain `pulumi up` keeps the box where it landed.
      await stack.setConfig("i2v:placement", { value: formatPlacement(candidate) });
      console.log(`\n== pulumi up with placement ${formatPlacement(candidate)}`);
      await stack.up({ onOutput: (text) => process.stdout.write(text) });
    },
    (a) => console.log(`-- ${a.placement}: ${a.outcome}${a.reason ? ` (${a.reason})` : ""}`),
  );
  console.log(`\nplacements tried:\n${formatAttempts(result.attempts)}`);
  if (!result.deployed) {
    const last = result.attempts.at(-1);
    const hint =
      last?.outcome === "quota"
        ? "raise the vCPU quota named by `npm run deploy-plan` in Service Quotas, or pick a smaller type"
        : last?.outcome === "capacity" || last?.outcome === "unsupported"
          ? "add fallbackInstanceTypes or zones, try another region, or retry later"
          : "read the pulumi output above; this failure is not about capacity";
    throw new InfraUserError(`no placement deployed (${result.attempts.length} tried)`, hint);
  }
  console.log(`deployed at ${formatPlacement(result.deployed)}; next: $(pulumi stack output smokeCommand)`);
});
