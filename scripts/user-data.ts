import { Command } from "commander";
import { previewAlicloudSpec } from "../infra/alicloud/boot-preview.ts";
import { renderAlicloudUserData } from "../infra/alicloud/user-data/cloud-config.ts";
import { isPlaceholderImage, previewFacts } from "../infra/boot-preview.ts";
import { bootSpecFor } from "../infra/boot-spec.ts";
import { settingsFromStackFile } from "../infra/cli-settings.ts";
import { currentPlacement, storagePlanFor } from "../infra/plan.ts";
import { renderUserData } from "../infra/user-data/cloud-config.ts";
import { runCli } from "./lib/cli.ts";

// `npm run user-data -- [--stack NAME] [--image URI]`: prints the cloud-init document the box boots with.
const program = new Command("user-data")
  .description("print the rendered cloud-init user-data for a stack (no AWS access needed)")
  .option("--stack <name>", "read Pulumi.<name>.yaml (default: Pulumi.example.yaml)")
  .option("--image <uri>", "image to show (default: the stack's imageUri, else a placeholder ECR URL)");

await runCli(async () => {
  const options = program.parse().opts<{ stack?: string; image?: string }>();
  const { file, settings } = settingsFromStackFile(process.cwd(), options.stack);
  if (settings.cloud === "alicloud") {
    process.stdout.write(renderAlicloudUserData(previewAlicloudSpec(settings, file.stack, options.image)));
    console.error(
      `# from ${file.path} (alicloud); the token and TLS key are read from OOS on the box, never written here; ACR name, disk id and certificates are placeholders until pulumi up`,
    );
    return;
  }
  const placement = currentPlacement(settings);
  const facts = previewFacts(settings, file.stack, options.image);
  process.stdout.write(
    renderUserData(bootSpecFor(settings, storagePlanFor(settings, placement.instanceType), facts)),
  );
  console.error(
    `# from ${file.path}, for ${placement.instanceType}; the token is read from SSM on the box, never written here`,
  );
  if (isPlaceholderImage(facts)) {
    console.error(
      '# image: placeholder account; after `pulumi up`, pass --image "$(pulumi stack output imageUri)"',
    );
  }
});
