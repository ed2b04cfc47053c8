"""Exports Wan 2.1 / 2.2 image-to-video (diffusers WanImageToVideoPipeline folders) to the runtime's model format.

    python export_wan.py --model-dir SNAPSHOT_DIR --out OUT_DIR [--no-fp16] [--revision SHA]

Runs on the CPU, from local files only. Components (names as in the manifest):
  text_encoder   UMT5 encoder: input_ids, attention_mask [B,L] -> hidden_states [B,L,D], zero past each
                 prompt's length (diffusers cuts the states to the real length and zero-pads them back)
  image_encoder  (Wan 2.1 only) CLIP vision: pixel_values -> image_embeds = hidden_states[-2]
  vae_encoder    AutoencoderKLWan: video [1,3,F,H,W] -> latent mode [1,z,(F-1)/4+1,H/8,W/8] (unnormalized)
  transformer    (+ transformer_2 for Wan 2.2 A14B) WanTransformer3DModel: hidden_states [B,in,T,h,w],
                 timestep [B] float, encoder_hidden_states [B,512,D], encoder_hidden_states_image
                 [B,257,Di] (Wan 2.1) -> model_output [B,z,T,h,w] (flow prediction)
  vae_decoder    latent [1,z,T,h,w] denormalized -> video [1,3,4(T-1)+1,8h,8w], clamped to [-1,1]

The VAE graphs run the whole clip at once and equal diffusers' chunked, cached run (wan_vae.py);
that is checked against diffusers for the presets' frame counts at export. Each ONNX file is
checked against its torch module at a shape other than the traced one. tokenizer/tokenizer.json
is the loaded tokenizer's backend, as transformers runs it.

Memory: diffusers loads sharded safetensors shard by shard onto an empty model (low_cpu_mem_usage,
accelerate installed), so the weights are held once; torch.onnx writes initializers over 2 GB as
external data from those same tensors. docs/wan.md gives the measured peaks.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wan_manifest import IO_NAMES, PRESET_FRAMES, detect_family, write_manifest  # noqa: E402
from wan_attention import install as install_exportable_attention  # noqa: E402
from wan_vae import VaeDecoder, VaeEncoder, check_equal  # noqa: E402

OPSET = 18


class TextEncoder(torch.nn.Module):
    """last_hidden_state with every position past the prompt's length set to 0, as diffusers does."""

    def __init__(self, text_encoder):
        super().__init__()
        self.text_encoder = text_encoder

    def forward(self, input_ids, attention_mask):
        states = self.text_encoder(input_ids, attention_mask).last_hidden_state
        # x * 1 = x exactly, x * 0 = 0: the same numbers as u[:len] followed by zeros.
        return states * attention_mask.unsqueeze(-1).to(states.dtype)


class ImageEncoder(torch.nn.Module):
    """CLIP vision hidden_states[-2] (the penultimate layer, before the final norm), as Wan uses."""

    def __init__(self, image_encoder):
        super().__init__()
        self.image_encoder = image_encoder

    def forward(self, pixel_values):
        return self.image_encoder(pixel_values, output_hidden_states=True).hidden_states[-2]


class Transformer(torch.nn.Module):
    def __init__(self, transformer, with_image):
        super().__init__()
        self.transformer = transformer
        self.with_image = with_image

    def forward(self, hidden_states, timestep, encoder_hidden_states, encoder_hidden_states_image=None):
        return self.transformer(
            hidden_states=hidden_states,
            timestep=timestep,
            encoder_hidden_states=encoder_hidden_states,
            encoder_hidden_states_image=encoder_hidden_states_image if self.with_image else None,
            return_dict=False,
        )[0]


def samples(pipe, latent_frames, h, w, batch, text_len=512):
    """Inputs for every component at one shape (h, w in latent pixels; multiples of the patch size)."""
    g = torch.Generator().manual_seed(0)
    t = pipe.transformer or pipe.transformer_2
    z = pipe.vae.config.z_dim
    frames = (latent_frames - 1) * 4 + 1
    out = {
        "text_encoder": (
            torch.randint(0, pipe.text_encoder.config.vocab_size, (batch, text_len), generator=g),
            torch.cat([torch.ones(batch, 7, dtype=torch.int64), torch.zeros(batch, text_len - 7, dtype=torch.int64)], 1),
        ),
        "vae_encoder": (torch.rand(1, 3, frames, h * 8, w * 8, generator=g) * 2 - 1,),
        "vae_decoder": (torch.randn(1, z, latent_frames, h, w, generator=g),),
    }
    transformer_args = [
        torch.randn(batch, t.config.in_channels, latent_frames, h, w, generator=g),
        torch.full((batch,), 857.0),
        torch.randn(batch, text_len, t.config.text_dim, generator=g),
    ]
    if pipe.image_encoder is not None:
        size = pipe.image_processor.crop_size["height"]
        out["image_encoder"] = (torch.randn(1, 3, size, size, generator=g),)
        image_tokens = (size // pipe.image_encoder.config.patch_size) ** 2 + 1
        transformer_args.append(torch.randn(batch, image_tokens, t.config.image_dim, generator=g))
    out["transformer"] = out["transformer_2"] = tuple(transformer_args)
    return out


def dynamic_axes(name):
    video = {0: "batch", 2: "frames", 3: "height", 4: "width"}
    latent = {0: "batch", 2: "latent_frames", 3: "latent_height", 4: "latent_width"}
    io = IO_NAMES[name]
    if name == "text_encoder":
        return {io["inputs"]["input_ids"]: {0: "batch", 1: "tokens"}, io["inputs"]["attention_mask"]: {0: "batch", 1: "tokens"},
                io["outputs"]["hidden_states"]: {0: "batch", 1: "tokens"}}
    if name == "image_encoder":
        return {io["inputs"]["pixel_values"]: {0: "batch"}, io["outputs"]["image_embeds"]: {0: "batch"}}
    if name == "vae_encoder":
        return {io["inputs"]["sample"]: video, io["outputs"]["latent"]: latent}
    if name == "vae_decoder":
        return {io["inputs"]["latent"]: latent, io["outputs"]["sample"]: video}
    axes = {io["inputs"]["hidden_states"]: latent, io["outputs"]["model_output"]: latent,
            io["inputs"]["timestep"]: {0: "batch"}, io["inputs"]["encoder_hidden_states"]: {0: "batch"}}
    if "encoder_hidden_states_image" in io["inputs"]:
        axes[io["inputs"]["encoder_hidden_states_image"]] = {0: "batch"}
    return axes


def _rms_norm_decomposed(x, normalized_shape, weight=None, eps=None):
    """F.rms_norm as plain ops: the TorchScript exporter has no symbolic for aten::rms_norm below
    opset 23 (RMSNormalization), which ORT 1.2x does not all run. Same arithmetic as torch's kernel
    for float32: x * rsqrt(mean(x^2) + eps) * weight, eps defaulting to the dtype's epsilon."""
    dims = tuple(range(-len(normalized_shape), 0))
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    out = x * torch.rsqrt(x.pow(2).mean(dim=dims, keepdim=True) + eps)
    return out * weight if weight is not None else out


class exportable_rms_norm:  # noqa: N801 - a context manager
    """Swaps F.rms_norm for the decomposition during an export only (eager checks use torch's)."""

    def __enter__(self):
        self._original = torch.nn.functional.rms_norm
        torch.nn.functional.rms_norm = _rms_norm_decomposed

    def __exit__(self, *exc):
        torch.nn.functional.rms_norm = self._original
        return False


def export_fp32(name, module, args, out_dir):
    """torch.onnx (TorchScript exporter) straight into the component folder; weights over 2 GB go
    to external data written from the module's own tensors (no second copy of the model). The
    transformers export with the exportable attention processor (restored after, so the check
    compares with diffusers' own)."""
    target = os.path.join(out_dir, name, "model.fp32.onnx")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    io = IO_NAMES[name]
    processors = None
    if isinstance(module, Transformer):
        processors = module.transformer.attn_processors
        install_exportable_attention(module.transformer)
    with torch.no_grad(), exportable_rms_norm():
        torch.onnx.export(
            module,
            args,
            target,
            input_names=list(io["inputs"].values()),
            output_names=list(io["outputs"].values()),
            dynamic_axes=dynamic_axes(name),
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    if processors is not None:
        module.transformer.set_attn_processor(processors)
    return target


def check(name, module, args, onnx_path, tolerance):
    """Max abs error of the ONNX file against the torch module on the same inputs."""
    import onnxruntime as ort

    with torch.no_grad():
        expected = module(*args).float().numpy()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
    actual = session.run(None, feeds)[0].astype(np.float32)
    error = float(np.max(np.abs(actual - expected))) if actual.shape == expected.shape else float("inf")
    scale = float(np.max(np.abs(expected))) or 1.0
    ok = bool(error <= tolerance * max(1.0, scale) and not np.isnan(actual).any())
    print(f"  {name}: max abs error {error:.3g} at {list(actual.shape)} (|ref| <= {scale:.3g}) ok={ok}", flush=True)
    return {"shape": list(actual.shape), "max_abs_error": error, "max_abs_reference": scale, "ok": ok}


def write_tokenizer(pipe, out):
    """tokenizer/tokenizer.json as transformers runs it: transformers 5's T5Tokenizer replaces the
    folder file's pre-tokenizer with its own, so the runtime reads the loaded backend, not the file."""
    folder = os.path.join(out, "tokenizer")
    os.makedirs(folder, exist_ok=True)
    pipe.tokenizer.backend_tokenizer.save(os.path.join(folder, "tokenizer.json"))


def fuse_loras(pipe, files, scale):
    """--lora FILE [--lora-scale S]: fused into the weights before export (wan_lora.py), so the graph
    is the plain model with other weights. One file per expert, or one for every transformer."""
    from wan_lora import LoraError, fuse_lora

    experts = [(n, t) for n, t in (("transformer", pipe.transformer), ("transformer_2", pipe.transformer_2)) if t is not None]
    if not files:
        return []
    if len(files) not in (1, len(experts)):
        raise SystemExit(f"--lora given {len(files)} times for {len(experts)} transformer(s): give one file for all, "
                         "or one per expert (transformer first, then transformer_2)")
    pairs = [(name, t, files[0] if len(files) == 1 else files[i]) for i, (name, t) in enumerate(experts)]
    fused = []
    for name, transformer, file in pairs:
        try:
            info = fuse_lora(transformer, file, scale)
        except LoraError as error:
            raise SystemExit(f"--lora {file}: {error}") from None
        print(f"fused {os.path.basename(file)} into {name} at scale {scale}", flush=True)
        fused.append({"component": name, **info})
    return fused


def main():
    parser = argparse.ArgumentParser(description="Export Wan image-to-video to the i2v-manifest/1 format")
    parser.add_argument("--model-dir", required=True, help="a diffusers WanImageToVideoPipeline folder")
    parser.add_argument("--out", required=True)
    parser.add_argument("--revision", help="recorded in the manifest")
    parser.add_argument("--no-fp16", action="store_true")
    parser.add_argument("--tolerance", type=float, default=2e-3, help="fp32 max abs error / max(1, |ref|)")
    parser.add_argument("--lora", action="append", default=[],
                        help="a LoRA fused into the transformer(s) before export; Wan 2.2 A14B: once per expert, "
                             "high-noise (transformer) first, or once for both")
    parser.add_argument("--lora-scale", type=float, default=1.0)
    args = parser.parse_args()
    family = detect_family(args.model_dir)
    if not args.no_fp16:
        raise SystemExit(
            "the fp16 export of Wan is not implemented yet (attention fusion, fp32 islands: docs/wan.md); "
            "pass --no-fp16 for the fp32 model the CPU runtime uses"
        )
    from diffusers import WanImageToVideoPipeline

    started = time.time()
    pipe = WanImageToVideoPipeline.from_pretrained(args.model_dir, torch_dtype=torch.float32, local_files_only=True)
    if pipe.config.expand_timesteps:
        raise SystemExit("expand_timesteps pipelines (Wan 2.2 TI2V-5B) are not supported yet: docs/wan.md")
    loras = fuse_loras(pipe, args.lora, args.lora_scale)
    with_image = pipe.image_encoder is not None
    modules = {"text_encoder": TextEncoder(pipe.text_encoder)}
    if with_image:
        modules["image_encoder"] = ImageEncoder(pipe.image_encoder)
    modules["vae_encoder"] = VaeEncoder(pipe.vae)
    if pipe.transformer is not None:
        modules["transformer"] = Transformer(pipe.transformer, with_image)
    if pipe.transformer_2 is not None:
        modules["transformer_2"] = Transformer(pipe.transformer_2, with_image)
    modules["vae_decoder"] = VaeDecoder(pipe.vae)
    for m in modules.values():
        m.eval()
    report = {"model_dir": args.model_dir, "family": family, "revision": args.revision, "opset": OPSET, "components": {},
              "loras": loras}
    # The whole-clip VAE against diffusers' chunked one, at the presets' frame counts (small pixels:
    # the equivalence is about frames; spatially every op is frame-local or a plain convolution).
    vae_frames = sorted(set(PRESET_FRAMES + [5, 9]))
    report["vae_whole_clip_vs_chunked"] = check_equal(pipe.vae, vae_frames, 16, 32)
    worst = max(max(r["encode_max_abs"], r["decode_max_abs"]) for r in report["vae_whole_clip_vs_chunked"])
    print(f"whole-clip VAE vs diffusers' chunked encode/decode at {vae_frames} frames: max abs {worst:.3g}", flush=True)
    if worst > 1e-4:
        raise SystemExit(f"the whole-clip VAE differs from diffusers' chunked one by {worst}")
    # Trace at one shape, check at another (frames, height and width all differ).
    trace = samples(pipe, latent_frames=3, h=4, w=6, batch=2)
    probe = samples(pipe, latent_frames=2, h=6, w=4, batch=1)
    os.makedirs(args.out, exist_ok=True)
    for name, module in modules.items():
        print(f"exporting {name}", flush=True)
        t0 = time.time()
        path = export_fp32(name, module, trace[name], args.out)
        report["components"][name] = {"seconds": round(time.time() - t0, 1),
                                      "fp32": check(name, module, probe[name], path, args.tolerance)}
    write_tokenizer(pipe, args.out)
    write_manifest(args.model_dir, args.out, components=list(modules), variants=("fp32",), revision=args.revision)
    report["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(args.out, "export-report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    failed = [n for n, e in report["components"].items() if not e["fp32"]["ok"]]
    if failed:
        print(f"export checks failed: {', '.join(failed)} (see export-report.json)", file=sys.stderr)
        return 1
    print(f"exported {family} to {args.out} in {report['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
