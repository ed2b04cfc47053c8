"""Checks images/export/wan_lora.py on a tiny WanTransformer3DModel against the manual sum.

For each LoRA format (the original Wan / ComfyUI layout with alpha and diff_b, and diffusers/peft's)
it fuses a random LoRA at a scale and compares every parameter with W + scale * (alpha/rank) *
up @ down (b + scale * diff_b for biases), and the untouched ones with the original. Prints JSON.
"""

import json
import os
import sys
import tempfile

import torch
from diffusers import WanTransformer3DModel
from safetensors.torch import save_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "export"))
from wan_lora import LoraError, fuse_lora  # noqa: E402

RANK, ALPHA = 4, 8.0
# Original Wan layer names -> diffusers' (as diffusers' converter maps them).
LAYERS = {
    "self_attn.q": "attn1.to_q",
    "self_attn.k": "attn1.to_k",
    "self_attn.v": "attn1.to_v",
    "self_attn.o": "attn1.to_out.0",
    "cross_attn.q": "attn2.to_q",
    "cross_attn.k": "attn2.to_k",
    "cross_attn.v": "attn2.to_v",
    "cross_attn.o": "attn2.to_out.0",
    "cross_attn.k_img": "attn2.add_k_proj",
    "cross_attn.v_img": "attn2.add_v_proj",
    "ffn.0": "ffn.net.0.proj",
    "ffn.2": "ffn.net.2",
}


def tiny_transformer():
    torch.manual_seed(0)
    return WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=36,
        out_channels=16,
        text_dim=32,
        freq_dim=16,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        image_dim=24,
        added_kv_proj_dim=16,
        rope_max_seq_len=32,
    ).eval()


def random_lora(model, fmt, generator):
    """A LoRA over every LAYERS entry of every block; returns (state dict, {param: expected delta / scale})."""
    tensors, deltas = {}, {}
    modules = dict(model.named_modules())
    for block in range(len(model.blocks)):
        for original, name in LAYERS.items():
            linear = modules[f"blocks.{block}.{name}"]
            down = torch.randn(RANK, linear.in_features, generator=generator) * 0.1
            up = torch.randn(linear.out_features, RANK, generator=generator) * 0.1
            bias = torch.randn(linear.out_features, generator=generator) * 0.1
            if fmt == "original":
                key = f"diffusion_model.blocks.{block}.{original}"
                tensors[f"{key}.lora_down.weight"] = down
                tensors[f"{key}.lora_up.weight"] = up
                tensors[f"{key}.alpha"] = torch.tensor(ALPHA)
                tensors[f"{key}.diff_b"] = bias
                deltas[f"blocks.{block}.{name}.weight"] = (ALPHA / RANK) * (up @ down)
                deltas[f"blocks.{block}.{name}.bias"] = bias
            else:
                key = f"transformer.blocks.{block}.{name}"
                tensors[f"{key}.lora_A.weight"] = down
                tensors[f"{key}.lora_B.weight"] = up
                deltas[f"blocks.{block}.{name}.weight"] = up @ down
    return tensors, deltas


def check(fmt, scale, directory):
    generator = torch.Generator().manual_seed(1 if fmt == "original" else 2)
    model = tiny_transformer()
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    tensors, deltas = random_lora(model, fmt, generator)
    path = os.path.join(directory, f"{fmt}.safetensors")
    save_file({k: v.contiguous() for k, v in tensors.items()}, path)
    report = fuse_lora(model, path, scale=scale)
    after = model.state_dict()
    worst_changed, worst_unchanged = 0.0, 0.0
    for key, value in before.items():
        expected = value + scale * deltas[key] if key in deltas else value
        diff = (after[key] - expected).abs().max().item()
        if key in deltas:
            worst_changed = max(worst_changed, diff)
        else:
            worst_unchanged = max(worst_unchanged, diff)
    # The fused weights reach the output: a forward pass differs from the un-fused model's.
    inputs = dict(
        hidden_states=torch.randn(1, 36, 2, 4, 4, generator=generator),
        timestep=torch.tensor([500.0]),
        encoder_hidden_states=torch.randn(1, 6, 32, generator=generator),
        encoder_hidden_states_image=torch.randn(1, 5, 24, generator=generator),
        return_dict=False,
    )
    plain = tiny_transformer()
    with torch.no_grad():
        output_change = (model(**inputs)[0] - plain(**inputs)[0]).abs().max().item()
    lora_layers_left = sum(1 for name, _ in model.named_modules() if "lora" in name)
    return {
        "format": fmt,
        "scale": scale,
        "layers": report["layers"],
        "expected_layers": len(LAYERS) * len(model.blocks),
        "fused_params": len(deltas),
        "worst_changed": worst_changed,
        "worst_unchanged": worst_unchanged,
        "output_change": output_change,
        "lora_layers_left": lora_layers_left,
        "keys_after": sorted(after.keys()) == sorted(before.keys()),
    }


def main():
    with tempfile.TemporaryDirectory() as directory:
        results = [check("original", 0.7, directory), check("peft", 1.5, directory)]
        bad = os.path.join(directory, "bad.safetensors")
        save_file({"something.weight": torch.zeros(2, 2)}, bad)
        try:
            fuse_lora(tiny_transformer(), bad)
            error = None
        except LoraError as e:
            error = str(e)
        missing = None
        try:
            fuse_lora(tiny_transformer(), os.path.join(directory, "missing.safetensors"))
        except LoraError as e:
            missing = str(e)
    print(json.dumps({"results": results, "bad_file_error": error, "missing_file_error": missing}))


if __name__ == "__main__":
    main()
