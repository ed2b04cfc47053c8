import { readFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../../../runtime/src/util/user-facing-error.ts";

/** The model families the exporter knows, by diffusers pipeline class in model_index.json. */
export type ExportFamily = "i2vgen-xl" | "wan";

const BY_CLASS: Record<string, ExportFamily> = {
  I2VGenXLPipeline: "i2vgen-xl",
  WanImageToVideoPipeline: "wan",
};

/** The Python exporter of each family (images/export/). */
export const EXPORTER_SCRIPT: Record<ExportFamily, string> = {
  "i2vgen-xl": "export_i2vgen_xl.py",
  wan: "export_wan.py",
};

/** Reads `model_index.json` and names the family; anything else is a user error saying what is supported. */
export async function detectFamily(modelDir: string): Promise<ExportFamily> {
  const file = path.join(modelDir, "model_index.json");
  let index: { _class_name?: unknown };
  try {
    index = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw userError(
      `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      "pass a diffusers pipeline folder (a Hub or ModelScope snapshot with model_index.json); for Wan use the -Diffusers repositories",
    );
  }
  const family = BY_CLASS[String(index._class_name)];
  if (!family) {
    throw userError(
      `${file}: pipeline ${JSON.stringify(index._class_name)} is not supported`,
      `supported: ${Object.keys(BY_CLASS).join(", ")} (for Wan, the -Diffusers repositories)`,
    );
  }
  return family;
}
