"""Runs the exporter's own export code on tiny torch modules with I2VGen-XL's signature.

    python3 torch_twin.py SNAPSHOT_DIR OUT_DIR

Needs torch and onnx only (no diffusers, transformers, onnxruntime or weights). Uses
export_i2vgen_xl.py's samples(), export_fp32() (names, dynamic axes, opset, external data) and the
adaptive-pool replacement, then i2v_manifest.write_manifest(). Each module is traced at one shape;
the probe inputs (another shape) and the module's outputs are written to OUT_DIR/probes/ so the
TypeScript test can check the ONNX files with onnxruntime-node, as export_i2vgen_xl.check() would.
The modules mimic the UNet's shape handling (repeat_interleave over frames, first-frame context
through AdaptiveAvgPool2d((32, 32)), permute/reshape of frames into the batch), not its numbers.
"""

import json
import os
import sys
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

sys.dont_write_bytecode = True  # no __pycache__ beside the exporter (its files are in the cache key)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "export"))
import export_i2vgen_xl as ex  # noqa: E402
from i2v_manifest import write_manifest  # noqa: E402

D = 1024


class Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(64, D)

    def forward(self, input_ids):
        return self.table(input_ids % 64)


class Image(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, D)

    def forward(self, pixel_values):
        return self.proj(pixel_values.mean((2, 3)))


class VaeEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, sample):
        return self.conv(F.avg_pool2d(sample, 8))


class VaeDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 3, 1)

    def forward(self, latent):
        return torch.tanh(F.interpolate(self.conv(latent), scale_factor=8.0, mode="nearest"))


class UNet(nn.Module):
    """I2VGen-XL's shape handling in miniature (see diffusers' I2VGenXLUNet.forward)."""

    def __init__(self):
        super().__init__()
        self.context_embedding = nn.Sequential(
            nn.Conv2d(4, 8, 3, padding=1), nn.SiLU(), nn.AdaptiveAvgPool2d((32, 32)),
            nn.Conv2d(8, D, 3, stride=2, padding=1),
        )
        self.time = nn.Linear(1, 4)
        self.fps = nn.Linear(1, 4)
        self.image = nn.Linear(D, 4 * D)
        self.proj = nn.Conv2d(8, 4, 1)

    def forward(self, sample, timestep, encoder_hidden_states, fps, image_latents, image_embeddings):
        batch, channels, frames, height, width = sample.shape
        t = timestep.expand(sample.shape[0]).float()[:, None] / 1000
        f = fps.expand(fps.shape[0]).float()[:, None] / 16
        emb = (self.time(t) + self.fps(f)).repeat_interleave(repeats=frames, dim=0)
        first = image_latents[:, :, :1].permute(0, 2, 1, 3, 4).reshape(batch, channels, height, width)
        ctx = self.context_embedding(first).flatten(2).transpose(1, 2)
        img = self.image(image_embeddings).view(-1, 4, D)
        context = torch.cat([encoder_hidden_states, ctx, img], dim=1).mean((1, 2))
        x = torch.cat([sample, image_latents], dim=1).permute(0, 2, 1, 3, 4)
        x = self.proj(x.reshape(batch * frames, 2 * channels, height, width))
        x = x + emb[:, :, None, None] + 0.01 * context.repeat_interleave(frames)[:, None, None, None]  # dim=None form too
        return x.reshape(batch, frames, channels, height, width).permute(0, 2, 1, 3, 4)


def fake_pipe():
    """Just the attributes export_i2vgen_xl.samples() reads."""
    return SimpleNamespace(
        unet=SimpleNamespace(config=SimpleNamespace(in_channels=4)),
        text_encoder=SimpleNamespace(config=SimpleNamespace(hidden_size=D)),
        image_encoder=SimpleNamespace(config=SimpleNamespace(projection_dim=D)),
        feature_extractor=SimpleNamespace(crop_size={"height": 224, "width": 224}),
        tokenizer=SimpleNamespace(vocab_size=49408),
        vae_scale_factor=8,
    )


def write_probe(folder, name, args, output):
    """Raw little-endian tensors + a JSON index: what the TS side feeds and expects."""
    os.makedirs(folder, exist_ok=True)
    index = {"inputs": [], "output": None}
    for i, tensor in enumerate(list(args) + [output]):
        array = tensor.detach().contiguous()
        kind = "int64" if array.dtype == torch.int64 else "float32"
        file = f"{name}.{i}.bin"
        (array.to(torch.int64) if kind == "int64" else array.float()).numpy().tofile(os.path.join(folder, file))
        entry = {"file": file, "type": kind, "shape": list(array.shape)}
        if i < len(args):
            index["inputs"].append(entry)
        else:
            index["output"] = entry
    with open(os.path.join(folder, f"{name}.json"), "w", encoding="utf-8") as f:
        json.dump(index, f)


def main(snapshot, out):
    torch.manual_seed(0)
    pool_error = ex.check_pool_replacement()
    modules = {
        "text_encoder": Text(),
        "image_encoder": Image(),
        "vae_encoder": VaeEncoder(),
        "unet": UNet(),
        "vae_decoder": VaeDecoder(),
    }
    replaced = ex.replace_adaptive_pools(modules["unet"])
    pipe = fake_pipe()
    trace = ex.samples(pipe, frames=4, h=16, w=24)
    probe = ex.samples(pipe, frames=3, h=24, w=16)
    for name, module in modules.items():
        module.eval()
        ex.export_fp32(name, module, trace[name], out)
        with torch.no_grad():
            write_probe(os.path.join(out, "probes"), name, probe[name], module(*probe[name]))
    write_manifest(snapshot, out, variants=("fp32",), name="torch-twin")
    with open(os.path.join(out, "torch-twin.json"), "w", encoding="utf-8") as f:
        json.dump({"torch": torch.__version__, "pool_max_abs_error": pool_error, "pools_replaced": replaced}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
