import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { detectFamily, EXPORTER_SCRIPT } from "../images/src/export/family.ts";
import { ensureHostEnv, parseExportEnvFamily } from "../images/src/export/host-env.ts";
import { exportMirrorChoice, renderExportMirror } from "../images/src/export/mirror.ts";
import { EXPORT_DIR } from "../images/src/export/pins.ts";
import { loadCatalog } from "../mirrors/src/index.ts";
import { runToolInTerminal } from "../runtime/src/util/run-tool.ts";
import { userError } from "../runtime/src/util/user-facing-error.ts";
import { runCli } from "./lib/cli.ts";

const program = new Command("export-model")
  .description(
    "Export a diffusers I2VGen-XL or Wan image-to-video folder (Hub / ModelScope snapshot layout) to the runtime's model format, on this machine. The family comes from model_index.json.",
  )
  .option("--model-dir <dir>", "the diffusers pipeline folder (I2VGenXLPipeline or WanImageToVideoPipeline)")
  .option("--out <dir>", "where the exported model goes")
  .option("--no-fp16", "fp32 files only (the CPU runtime uses fp32)")
  .option(
    "--allow-unfused",
    "accept fp16 graphs whose attention ONNX Runtime's optimizer did not fuse (recorded in the manifest; the runtime warns on a GPU)",
  )
  .option(
    "--lora <file>",
    "Wan: a LoRA fused into the transformer's weights before export (e.g. a step-distilled one); Wan 2.2 A14B: once per expert, high-noise first, or once for both",
    (file: string, all: string[]) => [...all, file],
    [] as string[],
  )
  .option("--lora-scale <s>", "the LoRA's strength (--lora)", "1.0")
  .option("--revision <sha>", "model revision recorded in the manifest")
  .option(
    "--mirror <name>",
    "PyPI mirror for the first run: upstream, auto, or a provider from mirrors/catalog.yaml",
    "upstream",
  )
  .option("--print-python", "print the exporter environment's interpreter (created if missing) and exit")
  .option(
    "--family <name>",
    "which exporter environment without --model-dir (--print-python): i2vgen-xl (host-lock.txt) or wan (wan-host-lock.txt, torch 2.9)",
    "i2vgen-xl",
  );

await runCli(async () => {
  const o = program.parse().opts();
  const log = (line: string) => console.error(line);
  // The model folder's model_index.json decides; --family only picks the environment without one.
  const family = o.modelDir ? await detectFamily(path.resolve(o.modelDir)) : parseExportEnvFamily(o.family);
  const scratch = await mkdtemp(path.join(os.tmpdir(), "i2v-export-mirror-"));
  let python: string;
  try {
    let pipConf: string | undefined;
    if (o.mirror !== "upstream") {
      const catalog = await loadCatalog();
      const mirror = await renderExportMirror({
        catalog,
        mirror: await exportMirrorChoice(o.mirror, catalog),
        outDir: scratch,
      });
      if (mirror.pipConf) pipConf = path.join(scratch, "pip.conf");
    }
    const envInfo = await ensureHostEnv({ family, log, ...(pipConf ? { pipConf } : {}) });
    if (envInfo.created) log(`environment ready in ${envInfo.seconds.toFixed(1)} s`);
    python = envInfo.python;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (o.printPython) {
    console.log(python);
    return;
  }
  if (!o.modelDir || !o.out) {
    throw Object.assign(new Error("--model-dir and --out are required"), {
      hint: "npm run export-model -- --model-dir SNAPSHOT_DIR --out OUT_DIR [--no-fp16]",
    });
  }
  const loras = o.lora as string[];
  const loraScale = Number(o.loraScale);
  if (loras.length > 0 && family !== "wan") {
    throw userError(
      `--lora is for Wan models; ${o.modelDir} holds ${family}`,
      "leave out --lora for this model",
    );
  }
  if (!Number.isFinite(loraScale)) {
    throw userError(`--lora-scale ${o.loraScale} is not a number`, "for example --lora-scale 1.0");
  }
  const args = [
    path.join(EXPORT_DIR, EXPORTER_SCRIPT[family]),
    "--model-dir",
    path.resolve(o.modelDir),
    "--out",
    path.resolve(o.out),
    ...(o.fp16 ? [] : ["--no-fp16"]),
    ...(o.allowUnfused && family === "i2vgen-xl" ? ["--allow-unfused"] : []),
    ...(o.revision ? ["--revision", o.revision] : []),
    ...loras.flatMap((file) => ["--lora", path.resolve(file)]),
    ...(loras.length > 0 ? ["--lora-scale", String(loraScale)] : []),
  ];
  // Nothing is fetched during an export: the weights are in the folder.
  await runToolInTerminal(python, args, { env: { HF_HUB_OFFLINE: "1", PYTHONWARNINGS: "ignore" } }).catch(
    (error: { exitCode?: number; shortMessage?: string }) => {
      throw userError(
        `the export failed (${error.exitCode === undefined ? error.shortMessage : `exit ${error.exitCode}`})`,
        `see the output above and ${path.join(path.resolve(o.out), "export-report.json")}`,
      );
    },
  );
});
