"""Model family detection and the manifest (i2v-manifest/1, family "wan") for an exported Wan I2V.

Standard library only. Everything model-specific comes from the pipeline's own files:
model_index.json (boundary_ratio, which components exist), scheduler_config.json (copied
verbatim), vae/config.json (z_dim, latents_mean/std, scale factors), transformer/config.json
(patch size), the CLIP image processor config and the tokenizer config.

    python3 wan_manifest.py family MODEL_DIR     # prints i2vgen-xl or wan (what the exporter dispatches on)
"""

import json
import os
import sys

# One reader of pipeline configs, and one error for them, for both families.
from i2v_manifest import ManifestError, read_json  # noqa: F401 - ManifestError is re-exported

FORMAT = "i2v-manifest/1"

# Frame counts of the Wan presets (runtime/src/pipeline/families/wan/presets.ts); the exporter checks
# the whole-clip VAE against diffusers' chunked one at each.
PRESET_FRAMES = [81, 33, 17]

IO_NAMES = {
    "text_encoder": {
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"},
        "outputs": {"hidden_states": "hidden_states"},
    },
    "image_encoder": {"inputs": {"pixel_values": "pixel_values"}, "outputs": {"image_embeds": "image_embeds"}},
    "vae_encoder": {"inputs": {"sample": "sample"}, "outputs": {"latent": "latent"}},
    "vae_decoder": {"inputs": {"latent": "latent"}, "outputs": {"sample": "sample"}},
}
for _name in ("transformer", "transformer_2"):
    IO_NAMES[_name] = {
        "inputs": {
            "hidden_states": "hidden_states",
            "timestep": "timestep",
            "encoder_hidden_states": "encoder_hidden_states",
            "encoder_hidden_states_image": "encoder_hidden_states_image",
        },
        "outputs": {"model_output": "model_output"},
    }

# ESTIMATES, not measurements (docs/wan.md): fixed = the exported weights' bytes plus 1 GiB of
# workspace; per megapixel-frame = activations of the transformer with fused attention, two
# guidance calls in turn, and the whole-clip VAE decode (which dominates at 480p and up).
PER_MEGAPIXEL_FRAME_MB = {"fp32": 1600, "fp16": 800}
MEMORY_NOTE = (
    "memory: estimates (not measured): fixed = weight bytes + 1 GiB, per megapixel-frame from the whole-clip "
    "VAE decode and fused attention; the runtime corrects them with observed peaks (docs/wan.md)"
)


def detect_family(model_dir):
    """'i2vgen-xl' or 'wan' from model_index.json's _class_name; anything else is refused by name."""
    index = read_json(os.path.join(model_dir, "model_index.json"))
    cls = index.get("_class_name")
    if cls == "I2VGenXLPipeline":
        return "i2vgen-xl"
    if cls == "WanImageToVideoPipeline":
        return "wan"
    raise ManifestError(
        f"{model_dir}/model_index.json: pipeline {cls!r} is not supported "
        "(I2VGenXLPipeline or WanImageToVideoPipeline; for Wan use the -Diffusers repositories)"
    )


def _present(index, name):
    entry = index.get(name)
    return isinstance(entry, list) and entry[0] is not None


def _weights_mb(out_dir, components):
    total = 0
    for name in components:
        folder = os.path.join(out_dir, name)
        for f in os.listdir(folder):
            total += os.path.getsize(os.path.join(folder, f))
    return total / 2**20


def write_manifest(model_dir, out_dir, components, variants=("fp32",), revision=None, name=None):
    index = read_json(os.path.join(model_dir, "model_index.json"))
    vae = read_json(os.path.join(model_dir, "vae", "config.json"))
    first = "transformer" if _present(index, "transformer") else "transformer_2"
    transformer = read_json(os.path.join(model_dir, first, "config.json"))
    scheduler = read_json(os.path.join(model_dir, "scheduler", "scheduler_config.json"))
    tokenizer_config = {}
    tc = os.path.join(model_dir, "tokenizer", "tokenizer_config.json")
    if os.path.exists(tc):
        tokenizer_config = read_json(tc)
    z = vae["z_dim"]
    spatial = vae.get("scale_factor_spatial", 8)
    temporal = vae.get("scale_factor_temporal", 4)
    patch = transformer["patch_size"]
    image_encoder = None
    if "image_encoder" in components:
        proc = read_json(os.path.join(model_dir, "image_processor", "preprocessor_config.json"))
        crop = proc.get("crop_size", 224)
        crop = crop["height"] if isinstance(crop, dict) else crop
        size = proc.get("size", {"shortest_edge": 224})
        shortest = size["shortest_edge"] if isinstance(size, dict) else size
        image_encoder = {
            "size": crop,
            "shortest_edge": shortest,
            "resample": {2: "bilinear", 3: "bicubic"}.get(proc.get("resample", 3), "bicubic"),
            "center_crop": bool(proc.get("do_center_crop", True)),
            "mean": proc["image_mean"],
            "std": proc["image_std"],
        }
    scheduler_kind = "unipc" if scheduler.get("_class_name", "").startswith("UniPC") else "flow-match-euler"
    transformers_ = [c for c in ("transformer", "transformer_2") if c in components]
    comps = {}
    for comp in components:
        io = IO_NAMES[comp]
        inputs = dict(io["inputs"])
        if comp in ("transformer", "transformer_2") and image_encoder is None:
            inputs.pop("encoder_hidden_states_image")
        comps[comp] = {
            "files": {v: f"{comp}/model.fp32.onnx" for v in variants},
            "inputs": inputs,
            "outputs": io["outputs"],
        }
    fixed = round(_weights_mb(out_dir, components)) + 1024
    manifest = {
        "format": FORMAT,
        "family": "wan",
        "name": name or os.path.basename(os.path.normpath(out_dir)),
        "description": (
            f"Wan image-to-video ({'2.1 with CLIP image encoder' if image_encoder else '2.2 two-expert' if len(transformers_) == 2 else 'single transformer'}), "
            f"exported from {os.path.basename(os.path.normpath(model_dir))}" + (f" @ {revision}" if revision else "")
            + f"; {MEMORY_NOTE}"
        ),
        "components": comps,
        "tokenizer": {
            "file": "tokenizer/tokenizer.json",
            "max_length": 512,
            "pad_id": 0,
            "bos_id": None,
            "eos_id": None,
        },
        "latent": {
            "channels": z,
            "vae_scale_factor": spatial,
            "temporal_scale_factor": temporal,
            "patch_size": patch,
            "size_multiple": spatial * patch[1],
            "latents_mean": vae["latents_mean"],
            "latents_std": vae["latents_std"],
        },
        "image_encoder": image_encoder,
        "experts": {
            "boundary_ratio": index.get("boundary_ratio"),
            "num_train_timesteps": scheduler.get("num_train_timesteps", 1000),
        },
        "scheduler": {"default": scheduler_kind, "config": scheduler},
        "defaults": {"negative_prompt": ""},
        "memory": {v: {"fixed_mb": fixed, "per_megapixel_frame_mb": PER_MEGAPIXEL_FRAME_MB[v]} for v in variants},
    }
    if tokenizer_config.get("model_max_length", 512) < 512:
        raise ManifestError("tokenizer: model_max_length below 512; Wan's attention expects 512 text tokens")
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
    return manifest


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "family":
        try:
            print(detect_family(sys.argv[2]))
        except ManifestError as error:
            print(error, file=sys.stderr)
            sys.exit(2)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
