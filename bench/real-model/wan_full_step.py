"""One transformer step of the published Wan2.1 1.3B-class config, random weights: torch against
ONNX Runtime on the CPU at a small latent, plus the export's time and peak memory.

    python wan_full_step.py --out DIR [--frames 2 --height 8 --width 8]

Config as Wan-AI/Wan2.1-T2V-1.3B-Diffusers' transformer (dim 1536 = 12 heads x 128, 30 layers,
ffn 8960, text_dim 4096), with the I2V input width (in_channels 36) and no image tokens. Exported
with the Wan exporter's own functions (export_wan.export_fp32). Prints one JSON line.
"""

import argparse
import gc
import json
import os
import resource
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "images", "export"))
import export_wan  # noqa: E402


def peak_rss_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--frames", type=int, default=2)
    p.add_argument("--height", type=int, default=8)
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    from diffusers import WanTransformer3DModel

    torch.manual_seed(0)
    t = time.time()
    model = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=36, out_channels=16,
        text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", eps=1e-6,
    ).eval()
    params = sum(x.numel() for x in model.parameters())
    build_s = time.time() - t
    wrapper = export_wan.Transformer(model, with_image=False).eval()
    g = torch.Generator().manual_seed(1)
    args = (
        torch.randn(1, 36, a.frames, a.height, a.width, generator=g),
        torch.full((1,), 857.0),
        torch.randn(1, 512, 4096, generator=g),
    )
    torch_s = []
    with torch.no_grad():
        expected = wrapper(*args).numpy()
        for _ in range(a.repeats):
            t = time.time()
            wrapper(*args)
            torch_s.append(time.time() - t)
    rss_before_export = peak_rss_gib()
    t = time.time()
    path = export_wan.export_fp32("transformer", wrapper, args, a.out)
    export_s = time.time() - t
    export_peak = peak_rss_gib()
    del model, wrapper
    gc.collect()
    import onnxruntime as ort

    t = time.time()
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    load_s = time.time() - t
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), args)}
    actual = session.run(None, feeds)[0]
    ort_s = []
    for _ in range(a.repeats):
        t = time.time()
        session.run(None, feeds)
        ort_s.append(time.time() - t)
    print(json.dumps({
        "parameters": params,
        "tokens": a.frames * (a.height // 2) * (a.width // 2),
        "build_s": build_s,
        "torch_step_s": sorted(torch_s)[len(torch_s) // 2],
        "ort_step_s": sorted(ort_s)[len(ort_s) // 2],
        "max_abs_error": float(np.abs(actual - expected).max()),
        "export_s": export_s,
        "peak_rss_before_export_gib": rss_before_export,
        "peak_rss_export_gib": export_peak,
        "peak_rss_gib": peak_rss_gib(),
        "ort_load_s": load_s,
        "threads": torch.get_num_threads(),
    }))


if __name__ == "__main__":
    main()
