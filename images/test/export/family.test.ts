import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { detectFamily } from "../../src/export/family.ts";

const dirs: string[] = [];
async function folder(index: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "i2v-family-"));
  dirs.push(dir);
  if (index !== undefined) await writeFile(path.join(dir, "model_index.json"), JSON.stringify(index));
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("export family from model_index.json", () => {
  it("names I2VGen-XL and Wan by their diffusers pipeline class", async () => {
    expect(await detectFamily(await folder({ _class_name: "I2VGenXLPipeline" }))).toBe("i2vgen-xl");
    expect(await detectFamily(await folder({ _class_name: "WanImageToVideoPipeline" }))).toBe("wan");
  });

  it("refuses another pipeline by name, and a folder without model_index.json, saying what to pass", async () => {
    await expect(detectFamily(await folder({ _class_name: "WanPipeline" }))).rejects.toThrow(
      /pipeline "WanPipeline" is not supported/,
    );
    await expect(detectFamily(await folder(undefined))).rejects.toThrow(
      /model_index.json cannot be read \(ENOENT\)/,
    );
  });

  it("the Python side agrees (wan_manifest.py family), so the exporter never runs on the wrong family", async () => {
    const script = path.join(import.meta.dirname, "..", "..", "export", "wan_manifest.py");
    for (const [cls, family] of [
      ["I2VGenXLPipeline", "i2vgen-xl"],
      ["WanImageToVideoPipeline", "wan"],
    ] as const) {
      const { stdout } = await execa("python3", [script, "family", await folder({ _class_name: cls })]);
      expect(stdout.trim()).toBe(family);
    }
    const refused = await execa("python3", [script, "family", await folder({ _class_name: "X" })], {
      reject: false,
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/pipeline 'X' is not supported/);
  });
});
