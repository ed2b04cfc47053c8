"""Works around a defect of the torch the host exporter runs on (Debian's 1.13).

torch 1.13's CPU baddbmm does not honour beta=0 for batched inputs: NaN or Inf in `input` reaches
the result, although the documentation says input is then ignored. diffusers' plain attention
(AttnProcessor, the only one that exports) passes torch.empty(...) with beta=0, so whatever the
allocator hands back decides whether a UNet call returns NaN: measured here, every UNet call after
a first torch.onnx.export was NaN. With beta=0 the documented result is alpha * (batch1 @ batch2),
which is what this computes. torch 2.x is left alone.
"""

import torch

_BADDBMM = torch.baddbmm


def _baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):  # noqa: A002 - torch's own name
    if beta == 0 and out is None:
        product = torch.bmm(batch1, batch2)
        return product if alpha == 1 else product * alpha
    if out is None:
        return _BADDBMM(input, batch1, batch2, beta=beta, alpha=alpha)
    return _BADDBMM(input, batch1, batch2, beta=beta, alpha=alpha, out=out)


def install():
    """Idempotent; returns True when the shim is in place."""
    major = int(torch.__version__.split(".")[0])
    if major >= 2:
        return False
    torch.baddbmm = _baddbmm
    return True
