"""Writes the runtime's model manifest (format i2v-manifest/1) for an exported I2VGen-XL.

Standard library only: no torch, diffusers or transformers, so this part runs (and is tested) on any
machine with python3. export_i2vgen_xl.py imports it after the ONNX files exist.

Everything model-specific is read from the pipeline's own config files (scheduler_config.json,
vae/config.json, unet/config.json, the CLIP preprocessor and tokenizer files); nothing about the
model is hard-coded here except the graph I/O names, which the exporter itself chooses.

    python3 i2v_manifest.py MODEL_DIR OUT_DIR [--variants fp32,fp16] [--name NAME]
"""

import argparse
import json
import os
import shutil
import sys

FORMAT = "i2v-manifest/1"
COMPONENTS = ("text_encoder", "image_encoder", "vae_encoder", "unet", "vae_decoder")

# Graph input/output names the exporter gives each component (torch.onnx.export input_names /
# output_names). The manifest maps the runtime's roles to them explicitly.
IO_NAMES = {
    "text_encoder": {"inputs": {"input_ids": "input_ids"}, "outputs": {"hidden_states": "hidden_states"}},
    "image_encoder": {"inputs": {"pixel_values": "pixel_values"}, "outputs": {"image_embeds": "image_embeds"}},
    "vae_encoder": {"inputs": {"sample": "sample"}, "outputs": {"latent": "latent"}},
    "unet": {
        "inputs": {
            "sample": "sample",
            "timestep": "timestep",
            "encoder_hidden_states": "encoder_hidden_states",
            "fps": "fps",
            "image_latents": "image_latents",
            "image_embeddings": "image_embeddings",
        },
        "outputs": {"model_output": "model_output"},
    },
    "vae_decoder": {"inputs": {"latent": "latent"}, "outputs": {"sample": "sample"}},
}

# ESTIMATES, not measurements: weight sizes from the published configs (ali-vilab/i2vgen-xl on the
# Hugging Face Hub, model card of the I2VGen-XL paper, Zhang et al., arXiv:2311.04145, Nov 2023) and
# activation growth as in ONNX Runtime's Stable Diffusion benchmarks (microsoft/onnxruntime,
# onnxruntime/python/tools/transformers/models/stable_diffusion/README.md, 2023-2024): fp16 weights
# about 5.1 GB plus workspace; activations grow linearly with
# width x height x frames when attention is fused, doubled by batched guidance. The runtime corrects
# them with observed peaks; replace them with measured numbers once the model has run on a GPU.
MEMORY_ESTIMATES = {
    "fp16": {"fixed_mb": 6144, "per_megapixel_frame_mb": 2600},
    "fp32": {"fixed_mb": 11264, "per_megapixel_frame_mb": 5200},
}
MEMORY_NOTE = (
    "memory: estimates (not measured) from the published configs' weight sizes and ONNX Runtime's "
    "Stable Diffusion benchmarks (microsoft/onnxruntime, stable_diffusion/README.md); "
    "the runtime corrects them with observed peaks; bench/gpu/i2vgen_gpu_check.py measures them"
)


class ManifestError(Exception):
    """A config file the manifest needs is missing or says something unexpected."""


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ManifestError(f"{path}: missing (is this a diffusers pipeline folder?)") from None


def vae_scale_factor(vae_config):
    # As diffusers computes it: one 2x downsampling per block after the first.
    return 2 ** (len(vae_config["block_out_channels"]) - 1)


def size_multiple(unet_config, vae_factor):
    # The UNet downsamples the latent once per down block except the last; each level must divide
    # evenly or the skip connections do not line up. I2VGen-XL: 4 blocks -> 8 -> 8 * 8 = 64 px.
    downsamplings = len(unet_config["down_block_types"]) - 1
    return vae_factor * 2**downsamplings


def clip_preprocessing(model_dir):
    """Crop size, mean and std of the CLIP image processor (feature_extractor/)."""
    config = read_json(os.path.join(model_dir, "feature_extractor", "preprocessor_config.json"))
    crop = config.get("crop_size", 224)
    if isinstance(crop, dict):
        if crop.get("height") != crop.get("width"):
            raise ManifestError(f"feature_extractor: non-square crop {crop} is not supported")
        crop = crop["height"]
    return {"size": int(crop), "mean": list(config["image_mean"]), "std": list(config["image_std"])}


def token_id(tokenizer_json, token):
    if token is None:
        return None
    if isinstance(token, dict):
        token = token.get("content")
    for added in tokenizer_json.get("added_tokens", []):
        if added.get("content") == token:
            return added["id"]
    vocab = tokenizer_json.get("model", {}).get("vocab", {})
    if isinstance(vocab, dict) and token in vocab:
        return vocab[token]
    raise ManifestError(f"tokenizer.json has no id for special token {token!r}")


def tokenizer_section(model_dir, tokenizer_json):
    """max_length and pad id from the tokenizer's own config; bos/eos only when no post-processor adds them."""
    tok_dir = os.path.join(model_dir, "tokenizer")
    config = read_json(os.path.join(tok_dir, "tokenizer_config.json"))
    special_path = os.path.join(tok_dir, "special_tokens_map.json")
    special = read_json(special_path) if os.path.exists(special_path) else {}
    pad = special.get("pad_token", config.get("pad_token"))
    max_length = int(config.get("model_max_length", 77))
    if max_length > 4096:  # transformers' "no limit" sentinel
        max_length = 77
    has_post = tokenizer_json.get("post_processor") is not None
    bos = None if has_post else token_id(tokenizer_json, special.get("bos_token", config.get("bos_token")))
    eos = None if has_post else token_id(tokenizer_json, special.get("eos_token", config.get("eos_token")))
    return {
        "file": "tokenizer/tokenizer.json",
        "max_length": max_length,
        "pad_id": token_id(tokenizer_json, pad),
        "bos_id": bos,
        "eos_id": eos,
    }


# The VAE stays fp32 in the fp16 variant: its config says force_upcast, and fp16 VAEs of this
# family give NaNs / black frames (ONNX Runtime's Stable Diffusion README, fp16 notes for SD 2.1;
# diffusers' AutoencoderKL config flag force_upcast, huggingface/diffusers PR #6665, Jan 2024).
FP32_ONLY = ("vae_encoder", "vae_decoder")


def component_files(name, variants, fp16_vae=False):
    keep_fp32 = name in FP32_ONLY and not fp16_vae
    return {v: f"{name}/model.{'fp32' if keep_fp32 else v}.onnx" for v in variants}


def build_manifest(
    model_dir, tokenizer_json, variants=("fp32", "fp16"), name="i2vgen-xl", revision=None, fp16_vae=False,
    unfused_attention=(),
):
    """The manifest as a dict. `tokenizer_json` is the parsed tokenizer.json the runtime will read.

    `unfused_attention`: components whose fp16 graph kept plain attention (export --allow-unfused);
    the runtime warns when it loads them on a GPU.
    """
    scheduler = read_json(os.path.join(model_dir, "scheduler", "scheduler_config.json"))
    vae = read_json(os.path.join(model_dir, "vae", "config.json"))
    unet = read_json(os.path.join(model_dir, "unet", "config.json"))
    if unet.get("in_channels") != vae.get("latent_channels"):
        raise ManifestError(
            f"unet.in_channels {unet.get('in_channels')} != vae.latent_channels {vae.get('latent_channels')}"
        )
    factor = vae_scale_factor(vae)
    kind = {"DDIMScheduler": "ddim", "DPMSolverMultistepScheduler": "dpmpp-2m"}.get(
        scheduler.get("_class_name"), "ddim"
    )
    description = "I2VGen-XL exported to ONNX by images/export/export_i2vgen_xl.py"
    if revision:
        description += f" (model revision {revision})"
    return {
        "format": FORMAT,
        "name": name,
        "description": f"{description}. {MEMORY_NOTE}.",
        "components": {
            c: {"files": component_files(c, variants, fp16_vae), **json.loads(json.dumps(IO_NAMES[c]))} for c in COMPONENTS
        },
        "tokenizer": tokenizer_section(model_dir, tokenizer_json),
        "latent": {
            "channels": int(vae["latent_channels"]),
            "vae_scale_factor": factor,
            # Read, never assumed: I2VGen-XL publishes 0.18125, not Stable Diffusion's 0.18215.
            "scaling_factor": float(vae["scaling_factor"]),
            "size_multiple": size_multiple(unet, factor),
            # I2VGen-XL: frame 0 is the image latent, frame i >= 1 a constant plane i/(F-1).
            "frame_conditioning": "first_frame_then_position_planes",
        },
        "image_encoder": clip_preprocessing(model_dir),
        # diffusers' I2VGen-XL uses zeros_like(image_embeds) as the negative, not an encoded blank image.
        "guidance": {"negative_image_embedding": "zeros"},
        "scheduler": {"default": kind, "config": scheduler},
        "defaults": {"negative_prompt": ""},
        "memory": {v: dict(MEMORY_ESTIMATES[v]) for v in variants},
        "memory_note": MEMORY_NOTE,
        **({"fp16_unfused_attention": list(unfused_attention)} if "fp16" in variants else {}),
        "source": {"revision": revision, "unet_sample_size": unet.get("sample_size")},
    }


def write_manifest(
    model_dir, out_dir, variants=("fp32", "fp16"), name="i2vgen-xl", revision=None, fp16_vae=False,
    unfused_attention=(),
):
    """Writes manifest.json into out_dir; copies tokenizer/tokenizer.json from the model if out_dir has none."""
    tok_out = os.path.join(out_dir, "tokenizer", "tokenizer.json")
    if not os.path.exists(tok_out):
        source = os.path.join(model_dir, "tokenizer", "tokenizer.json")
        if not os.path.exists(source):
            raise ManifestError(
                f"{tok_out}: missing; the exporter writes it with CLIPTokenizerFast (the model ships only vocab.json/merges.txt)"
            )
        os.makedirs(os.path.dirname(tok_out), exist_ok=True)
        shutil.copyfile(source, tok_out)
    with open(tok_out, encoding="utf-8") as f:
        tokenizer_json = json.load(f)
    manifest = build_manifest(model_dir, tokenizer_json, variants, name, revision, fp16_vae, unfused_attention)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--variants", default="fp32,fp16")
    parser.add_argument("--name", default="i2vgen-xl")
    parser.add_argument("--revision", default=None)
    parser.add_argument("--fp16-vae", action="store_true", help="point the fp16 variant at fp16 VAE files")
    parser.add_argument("--unfused-attention", default="", help="components whose fp16 attention is unfused, comma-separated")
    args = parser.parse_args(argv)
    variants = tuple(v for v in args.variants.split(",") if v)
    try:
        unfused = tuple(c for c in args.unfused_attention.split(",") if c)
        write_manifest(args.model_dir, args.out_dir, variants, args.name, args.revision, args.fp16_vae, unfused)
    except (ManifestError, KeyError) as error:
        print(f"i2v_manifest: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
