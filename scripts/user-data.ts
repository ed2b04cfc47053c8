import { Command, Option } from "commander";
import { previewAlicloudSpec } from "../infra/alicloud/boot-preview.ts";
import { renderAlicloudUserData } from "../infra/alicloud/user-data/cloud-config.ts";
import { isPlaceholderImage, PLACEHOLDER_ACCOUNT, previewFacts } from "../infra/boot-preview.ts";
import { bootSpecFor } from "../infra/boot-spec.ts";
import { settingsFromStackFile } from "../infra/cli-settings.ts";
import { currentPlacement, storagePlanFor } from "../infra/plan.ts";
import { type ScaleOutRole, scaleOutBootSpec, workerTypesAndStorage } from "../infra/scale-out-boot.ts";
import { InfraUserError } from "../infra/stack-file.ts";
import { packUserData, renderUserData, USER_DATA_LIMIT_BYTES } from "../infra/user-data/cloud-config.ts";
import { runCli } from "./lib/cli.ts";

// `npm run user-data -- [--stack NAME] [--image URI] [--role api|worker]`: prints the cloud-init document a box boots with.
const program = new Command("user-data")
  .description("print the rendered cloud-init user-data for a stack (no AWS access needed)")
  .option("--stack <name>", "read Pulumi.<name>.yaml (default: Pulumi.example.yaml)")
  .option("--image <uri>", "image to show (default: the stack's imageUri, else a placeholder ECR URL)")
  .addOption(
    new Option("--role <role>", "scale-out stacks (i2v:workers): which tier").choices(["api", "worker"]),
  );

await runCli(async () => {
  const options = program.parse().opts<{ stack?: string; image?: string; role?: ScaleOutRole }>();
  const { file, settings } = settingsFromStackFile(process.cwd(), options.stack);
  if (settings.cloud === "alicloud") {
    process.stdout.write(renderAlicloudUserData(previewAlicloudSpec(settings, file.stack, options.image)));
    console.error(
      `# from ${file.path} (alicloud); the token and TLS key are read from OOS on the box, never written here; ACR name, disk id and certificates are placeholders until pulumi up`,
    );
    return;
  }
  const facts = previewFacts(settings, file.stack, options.image);
  let document: string;
  if (settings.workers) {
    if (!options.role)
      throw new InfraUserError(
        `${file.path} sets i2v:workers (scale-out)`,
        "pass --role api or --role worker to see that tier's boot",
      );
    const types = [...new Set([settings.instanceType, ...settings.fallbackInstanceTypes])];
    const storage =
      options.role === "worker"
        ? workerTypesAndStorage(settings, types)
        : ({ kind: "instance-store", devices: 0, sizeGB: 0 } as const);
    document = renderUserData(
      scaleOutBootSpec(settings, settings.workers, options.role, storage, {
        stack: file.stack,
        imageUri: facts.imageUri,
        tokenParameterName: facts.tokenParameterName,
        storageUrl: `s3://i2v-jobs-bucket-${PLACEHOLDER_ACCOUNT}/jobs`,
      }),
    );
    console.error("# job bucket: placeholder name; after `pulumi up` it is `pulumi stack output jobBucket`");
  } else {
    if (options.role)
      throw new InfraUserError(
        `--role ${options.role} needs i2v:workers in ${file.path}`,
        "drop --role for the single box",
      );
    const placement = currentPlacement(settings);
    document = renderUserData(bootSpecFor(settings, storagePlanFor(settings, placement.instanceType), facts));
    console.error(`# for ${placement.instanceType}`);
  }
  process.stdout.write(document);
  const packed = Buffer.byteLength(Buffer.from(packUserData(document), "base64"));
  console.error(
    `# from ${file.path}; the token, TLS key and queue URL are read from SSM on the box, never written here`,
  );
  console.error(
    `# ${Buffer.byteLength(document)} bytes as text; EC2 gets it gzipped: ${packed} of ${USER_DATA_LIMIT_BYTES} bytes`,
  );
  if (isPlaceholderImage(facts)) {
    console.error(
      '# image: placeholder account; after `pulumi up`, pass --image "$(pulumi stack output imageUri)"',
    );
  }
});
