/**
 * Manifest errors name the problem: each case edits a copy of the demo model and checks that the
 * error lists the path of what is wrong (and every problem at once), not a stack trace.
 */
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import { I2vError } from "../../src/errors.ts";
import { GraphBuilder } from "../../src/onnx/graph-builder.ts";
import { loadManifest } from "../../src/pipeline/manifest.ts";
import { LoadedModel } from "../../src/pipeline/model.ts";
import { tempDir } from "../support/demo.ts";

let demoDir: string;
beforeAll(async () => {
  demoDir = await ensureDemoModel(tempDir());
});

/** A copy of the demo model with its manifest.json edited by `edit`. */
// biome-ignore lint/suspicious/noExplicitAny: the cases edit the manifest as loose JSON, wrong types included
async function editedModel(edit: (manifest: Record<string, any>) => void = () => {}): Promise<string> {
  const dir = path.join(tempDir("i2v-manifest-"), "model");
  await cp(demoDir, dir, { recursive: true });
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8"));
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
  return dir;
}

/** The problems of the manifest_invalid error `load` throws. */
async function problemsOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (error) {
    expect(error).toBeInstanceOf(I2vError);
    const e = error as I2vError;
    expect(e.code).toBe("manifest_invalid");
    expect(e.hint).toMatch(/manifest\.json/);
    const problems = e.details?.problems as string[];
    // The message carries every problem too, for logs and the CLI.
    for (const p of problems) expect(e.message).toContain(p);
    return problems;
  }
  throw new Error("the model loaded");
}

describe("manifest validation", () => {
  it("the demo manifest itself is valid", async () => {
    const loaded = await loadManifest(demoDir);
    expect(loaded.manifest.name).toBe("i2v-demo");
    expect(Object.keys(loaded.files).sort()).toEqual(
      ["image_encoder", "text_encoder", "unet", "vae_decoder", "vae_encoder"].sort(),
    );
  });

  it("a folder without manifest.json", async () => {
    expect(await problemsOf(loadManifest(tempDir()))).toEqual(["manifest.json: does not exist"]);
  });

  it("manifest.json that is not JSON", async () => {
    const dir = await editedModel();
    await writeFile(path.join(dir, "manifest.json"), "{ not json");
    const [problem] = await problemsOf(loadManifest(dir));
    expect(problem).toMatch(/^manifest\.json: .*JSON/);
  });

  it("bad fields are reported with their paths, all together", async () => {
    const dir = await editedModel((m) => {
      m.latent.channels = "nineteen";
      m.tokenizer.max_length = -1;
      m.scheduler.default = "euler";
      delete m.components.unet.files;
    });
    const problems = await problemsOf(loadManifest(dir));
    const paths = problems.map((p) => p.split(":")[0]).sort();
    expect(paths).toEqual(
      ["components.unet.files", "latent.channels", "scheduler.default", "tokenizer.max_length"].sort(),
    );
  });

  it("a missing ONNX file and a missing tokenizer", async () => {
    const dir = await editedModel();
    await rm(path.join(dir, "unet", "model.onnx"));
    await rm(path.join(dir, "tokenizer", "tokenizer.json"));
    expect(await problemsOf(loadManifest(dir))).toEqual([
      "components.unet.files.fp32: missing file unet/model.onnx",
      "tokenizer.file: missing file tokenizer/tokenizer.json",
    ]);
  });

  it("a variant the model does not have", async () => {
    const problems = await problemsOf(loadManifest(demoDir, "fp16"));
    expect(problems).toContain("components.unet.files.fp16: no fp16 variant (has fp32)");
    expect(problems).toContain("memory.fp16: no memory model for the fp16 variant");
  });

  it("a wrong input name (mapping in `inputs`) names the graph's real inputs", async () => {
    const dir = await editedModel((m) => {
      m.components.vae_decoder.inputs.latent = "latents";
    });
    const problems = await problemsOf(LoadedModel.load(dir));
    expect(problems).toEqual([
      'components.vae_decoder.inputs.latent: the graph has no input named "latents" (it has latent_sample)',
    ]);
  });

  it("a latent channel count that does not match the graphs", async () => {
    const dir = await editedModel((m) => {
      m.latent.channels = 16;
    });
    const problems = await problemsOf(LoadedModel.load(dir));
    for (const role of [
      "vae_encoder.outputs.latent",
      "unet.inputs.sample",
      "unet.inputs.image_latents",
      "unet.outputs.model_output",
      "vae_decoder.inputs.latent",
    ]) {
      expect(problems.find((p) => p.startsWith(`components.${role}:`))).toMatch(
        /has 51 channels, the manifest says latent\.channels = 16/,
      );
    }
  });

  it("a dtype and rank mismatch: a text encoder taking float32 ids", async () => {
    const dir = await editedModel();
    const g = new GraphBuilder("wrong_text_encoder");
    const ids = g.input("input_ids", "float32", ["batch", "sequence"]);
    g.op("Identity", [ids], {}, "last_hidden_state");
    g.output("last_hidden_state", "float32", ["batch", "sequence"]);
    await writeFile(path.join(dir, "text_encoder", "model.onnx"), g.toBytes());
    const problems = await problemsOf(LoadedModel.load(dir));
    expect(problems).toEqual([
      'components.text_encoder.inputs.input_ids: "input_ids" is float32, expected int64 or int32',
      'components.text_encoder.outputs.hidden_states: "last_hidden_state" has rank 2 [batch, sequence], expected rank 3',
    ]);
  });

  it("problems from several components are reported together", async () => {
    const dir = await editedModel((m) => {
      m.components.unet.inputs.timestep = "t";
      m.components.image_encoder.outputs.image_embeds = "embeds";
    });
    const problems = await problemsOf(LoadedModel.load(dir));
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "components.image_encoder.outputs.image_embeds",
      "components.unet.inputs.timestep",
    ]);
  });
});
