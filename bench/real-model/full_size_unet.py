"""Full-size I2VGen-XL UNet, random weights: build, export to ONNX (fp32, external data), sizes.

    python full_size_unet.py OUT_DIR

Prints one JSON line: parameter count, build and export seconds, file sizes, peak RSS. Uses the
exporter's own wrappers and export function (images/export/export_i2vgen_xl.py), so what is
measured is what a real export does. Run by bench/suites/real-model.ts (not CI).
"""

import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gpu"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "images", "export"))

import torch  # noqa: E402
from torch_compat import install  # noqa: E402

install()
import export_i2vgen_xl as ex  # noqa: E402
import i2vgen_full  # noqa: E402
from diffusers.models.attention_processor import AttnProcessor  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(out):
    started = time.time()
    unet = i2vgen_full.build_unet(i2vgen_full.UNET)
    unet.set_attn_processor(AttnProcessor())
    ex.replace_adaptive_pools(unet)
    params = sum(p.numel() for p in unet.parameters())
    built = time.time() - started
    g = torch.Generator().manual_seed(0)
    h, w, frames, batch = 16, 24, 4, 2
    args = (
        torch.randn(batch, 4, frames, h, w, generator=g),
        torch.tensor([501], dtype=torch.int64),
        torch.randn(batch, 77, 1024, generator=g),
        torch.full((batch,), 16, dtype=torch.int64),
        torch.randn(batch, 4, frames, h, w, generator=g),
        torch.randn(batch, 1, 1024, generator=g),
    )
    t = time.time()
    path = ex.export_fp32("unet", ex.UNet(unet).eval(), args, out)
    exported = time.time() - t
    sizes = {f: os.path.getsize(os.path.join(os.path.dirname(path), f)) for f in os.listdir(os.path.dirname(path))}
    print(json.dumps({"params": params, "build_s": round(built, 1), "export_s": round(exported, 1),
                      "files": sizes, "peak_rss_mb": round(peak_mb())}))


if __name__ == "__main__":
    main(sys.argv[1])
