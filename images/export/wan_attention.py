"""An attention processor for WanTransformer3DModel that traces with dynamic shapes.

diffusers' WanAttnProcessor (0.42) applies RoPE by writing into `torch.empty_like(x)` through
strided slices (`out[..., 0::2] = ...`); the TorchScript exporter turns that into a ScatterND whose
index Expand is frozen to the traced token count (measured: "invalid expand shape" at any other
size). This processor computes the same products (x1 cos - x2 sin, x1 sin + x2 cos, interleaved)
with stack + flatten, and otherwise does what WanAttnProcessor does: q/k RMS norm across heads,
image tokens (the first L - 512 context tokens) through add_k_proj/add_v_proj into a second
attention whose output is added, then to_out. Installed by the exporter only; the checks compare
each graph with diffusers' own processor.
"""

import torch
import torch.nn.functional as F

TEXT_TOKENS = 512  # WanAttnProcessor's split: the last 512 context tokens are text


def _rope(x, cos, sin):
    # x [B, S, H, D]; cos/sin [1, S, 1, D] with each frequency repeated twice (real form).
    x1, x2 = x.unflatten(-1, (-1, 2)).unbind(-1)
    c, s = cos[..., 0::2], sin[..., 1::2]
    return torch.stack((x1 * c - x2 * s, x1 * s + x2 * c), dim=-1).flatten(-2).type_as(x)


def _attend(q, k, v):
    # [B, S, H, D] -> SDPA over heads -> [B, S, H*D]
    out = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
    return out.transpose(1, 2).flatten(2, 3)


class ExportableWanAttnProcessor:
    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, rotary_emb=None):
        image = None
        if attn.add_k_proj is not None:
            split = encoder_hidden_states.shape[1] - TEXT_TOKENS
            image = encoder_hidden_states[:, :split]
            encoder_hidden_states = encoder_hidden_states[:, split:]
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        q = attn.norm_q(attn.to_q(hidden_states)).unflatten(2, (attn.heads, -1))
        k = attn.norm_k(attn.to_k(context)).unflatten(2, (attn.heads, -1))
        v = attn.to_v(context).unflatten(2, (attn.heads, -1))
        if rotary_emb is not None:
            q = _rope(q, *rotary_emb)
            k = _rope(k, *rotary_emb)
        out = _attend(q, k, v).type_as(q)
        if image is not None:
            k_img = attn.norm_added_k(attn.add_k_proj(image)).unflatten(2, (attn.heads, -1))
            v_img = attn.add_v_proj(image).unflatten(2, (attn.heads, -1))
            out = out + _attend(q, k_img, v_img).type_as(q)
        return attn.to_out[1](attn.to_out[0](out))


def install(transformer):
    """Sets the exportable processor on every attention of the transformer; returns how many."""
    count = 0
    for module in transformer.modules():
        if hasattr(module, "processor") and type(module).__name__ == "WanAttention":
            if getattr(module, "fused_projections", False):
                raise SystemExit("fused projections are not supported by the exporter's processor")
            module.processor = ExportableWanAttnProcessor()
            count += 1
    return count
