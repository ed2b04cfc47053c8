import { LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { Command } from "commander";
import { deployTarget } from "../infra/capacity/deploy-target.ts";
import { deployWithFallbacks, formatAttempts } from "../infra/capacity/fallback.ts";
import { settingsFromStackFile } from "../infra/cli-settings.ts";
import { formatPlacement } from "../infra/decisions/capacity.ts";
import { InfraUserError } from "../infra/stack-file.ts";
import { runCli } from "./lib/cli.ts";

// `npm run deploy -- --stack NAME`: `pulumi up` for either cloud (`i2v:cloud`), moving to the next
// (type, zone) when the cloud has no capacity there, and stopping with a hint on account errors.
// Needs the pulumi CLI and the cloud's credentials; plain `pulumi up` deploys only the current placement.
const program = new Command("deploy")
  .description(
    "pulumi up with capacity fallbacks (AWS or Alibaba Cloud): tries each placement from `npm run deploy-plan` in order",
  )
  .requiredOption("--stack <name>", "the Pulumi stack (Pulumi.<name>.yaml)");

await runCli(async () => {
  const { stack: stackName } = program.parse().opts<{ stack: string }>();
  const { settings } = settingsFromStackFile(process.cwd(), stackName);
  const target = deployTarget(settings);
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
    // Scale-out (AWS): the workers' mixed-instances group places them over the fallback types itself.
    console.log(
      "scale-out stack: the workers' Auto Scaling group places them over the fallback types itself",
    );
    await stack.up({ onOutput: (text) => process.stdout.write(text) });
    console.log('deployed; next: eval "$(pulumi stack output smokeCommand)"');
    return;
  }
  console.log(
    `${settings.cloud}: trying up to ${target.candidates.length} placements: ${target.candidates.map(formatPlacement).join(", ")}`,
  );
  let lastMessage = "";
  const result = await deployWithFallbacks(
    target.candidates,
    async (candidate) => {
      // The placement stays in the stack config, so a later plain `pulumi up` keeps the box where it landed.
      await stack.setConfig("i2v:placement", { value: formatPlacement(candidate) });
      console.log(`\n== pulumi up with placement ${formatPlacement(candidate)}`);
      try {
        await stack.up({ onOutput: (text) => process.stdout.write(text) });
      } catch (error) {
        lastMessage = error instanceof Error ? error.message : String(error);
        throw error;
      }
    },
    (a) => console.log(`-- ${a.placement}: ${a.outcome}${a.reason ? ` (${a.reason})` : ""}`),
    target.classify,
  );
  console.log(`\nplacements tried:\n${formatAttempts(result.attempts)}`);
  if (!result.deployed) {
    throw new InfraUserError(
      `no placement deployed (${result.attempts.length} tried)`,
      target.hint(result.attempts.at(-1), lastMessage),
    );
  }
  console.log(`deployed at ${formatPlacement(result.deployed)}; next: $(pulumi stack output smokeCommand)`);
});
