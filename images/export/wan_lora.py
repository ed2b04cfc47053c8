"""A LoRA fused into a Wan transformer's weights before export (`--lora FILE [--lora-scale S]`).

The published Wan LoRAs (the step-distilled ones users run for 4 steps without guidance, and most
others) come in the original Wan / ComfyUI key layout (`diffusion_model.blocks.N.self_attn.q.
lora_down.weight`, `.lora_up.weight`, `.alpha`, `.diff_b` for biases), in musubi-tuner's
(`lora_unet_...`) or in diffusers/peft's (`transformer.blocks.N.attn1.to_q.lora_A.weight`).
diffusers' own WanLoraLoaderMixin reads all three and converts them to peft's; peft merges them:
W' = W + scale * (alpha / rank) * up @ down (and b' = b + scale * diff_b). The fused transformer
has no LoRA layers left, so the exported graph is the plain model with other weights.

    from wan_lora import fuse_lora
    report = fuse_lora(pipe.transformer, "lightx2v_rank64.safetensors", scale=1.0)
"""

from __future__ import annotations

import os


class LoraError(ValueError):
    """A LoRA file that cannot be fused into this transformer (the message says why)."""


def fuse_lora(transformer, lora_file: str, scale: float = 1.0, adapter_name: str = "fused") -> dict:
    """Fuses `lora_file` into `transformer` (a WanTransformer3DModel) in place; returns a report.

    For Wan 2.2's two experts, call it once per transformer with the file meant for each (the
    published high-noise and low-noise LoRAs are separate files).
    """
    from diffusers.loaders.lora_pipeline import WanLoraLoaderMixin
    from peft.tuners.tuners_utils import BaseTunerLayer

    if not os.path.isfile(lora_file):
        raise LoraError(f"LoRA file {lora_file} does not exist")
    state_dict = WanLoraLoaderMixin.lora_state_dict(lora_file)
    # A text-to-video LoRA on an image-to-video model: zero LoRAs for the image projections, as
    # diffusers' load_lora_weights does.
    state_dict = WanLoraLoaderMixin._maybe_expand_t2v_lora_for_i2v(transformer, state_dict)
    if not state_dict or not all("lora" in key for key in state_dict):
        raise LoraError(
            f"{lora_file} is not a LoRA diffusers can read for Wan (expected lora_A/lora_B, "
            "lora_down/lora_up or lora_unet_ keys)"
        )
    targets = {key.split(".lora_")[0] for key in state_dict}
    try:
        transformer.load_lora_adapter(state_dict, adapter_name=adapter_name, prefix="transformer")
    except (RuntimeError, ValueError) as error:
        raise LoraError(f"{lora_file} does not fit this transformer: {error}") from error
    tuned = [name for name, module in transformer.named_modules() if isinstance(module, BaseTunerLayer)]
    if not tuned:
        raise LoraError(f"{lora_file}: none of its {len(targets)} layers is in this transformer")
    transformer.fuse_lora(lora_scale=scale, safe_fusing=True, adapter_names=[adapter_name])
    transformer.unload_lora()
    return {"file": os.path.basename(lora_file), "scale": scale, "layers": len(tuned)}
