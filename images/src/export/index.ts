/**
 * The optional export stage of the bake: a diffusers I2VGen-XL folder -> ONNX components, tokenizer
 * and manifest the runtime reads. See docs/real-model.md for where it plugs into the bake.
 */
export { EXPORT_STAGE_VERSION, exportCacheKey, readExporterScripts, revisionOf } from "./cache-key.ts";
export { type ExportStagePlan, renderExportDockerfile } from "./dockerfile.ts";
export { type ExportImageOptions, ensureExportImage, needsExport } from "./export-image.ts";
export { EXPORT_ECOSYSTEMS, type ExportMirror, exportMirrorChoice, renderExportMirror } from "./mirror.ts";
export { EXPORT_DIR, type ExportPins, loadExportPins, requirementLines, validatePins } from "./pins.ts";
export { type ExportValidation, validateExportedModel } from "./validate.ts";
