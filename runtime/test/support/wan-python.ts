import { existingHostEnvPython } from "../../../images/src/export/host-env.ts";

/**
 * The Wan exporter environment's interpreter (torch 2.9.1, diffusers 0.42.1, transformers 5,
 * Pillow 13, ftfy), which the tests use as the reference: `.ci/run` creates it with
 * `npm run export-model -- --print-python --family wan`. Locally a missing one skips the test
 * (undefined, with a warning); under I2V_REQUIRE=all (CI) or I2V_REQUIRE=wan it fails.
 */
export async function wanPython(): Promise<string | undefined> {
  const python = await existingHostEnvPython("wan");
  if (python) return python;
  const required = (process.env.I2V_REQUIRE ?? "").split(",").map((s) => s.trim());
  const fix = "create it with: npm run export-model -- --print-python --family wan";
  if (required.includes("all") || required.includes("wan"))
    throw new Error(`the Wan exporter environment is required (I2V_REQUIRE); ${fix}`);
  console.warn(`skipped: no Wan exporter environment; ${fix}`);
  return undefined;
}
