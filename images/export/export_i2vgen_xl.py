"""Exports I2VGen-XL (diffusers I2VGenXLPipeline) to the runtime's model folder format.

    python export_i2vgen_xl.py --model-dir SNAPSHOT_DIR --out OUT_DIR [--revision SHA]
    python export_i2vgen_xl.py --model ali-vilab/i2vgen-xl[@rev] --out OUT_DIR   # from the HF cache

Runs in the bake's export stage (images/src/export), on CPU: a docker build has no GPU. Steps:
  1. load the pipeline from local files only (the weights came earlier through `npm run fetch-model`,
     which honours HF_ENDPOINT; nothing is fetched here);
  2. export text encoder, image encoder, VAE encoder, UNet and VAE decoder in fp32 (opset 17,
     external data, plain attention);
  3. convert UNet and the CLIP encoders to fp16 with fp32 inputs/outputs; the VAE stays fp32;
  4. check each ONNX file against its PyTorch module on a sample input at a *different* shape than
     the one traced, so a dimension frozen during tracing shows up as an error; report max abs error;
  5. write tokenizer/tokenizer.json, manifest.json (i2v_manifest.py) and export-report.json.

Output files: <component>/model.fp32.onnx (+ .data), <component>/model.fp16.onnx (+ .data).
"""

import argparse
import gc
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from i2v_manifest import IO_NAMES, write_manifest  # noqa: E402
from torch_compat import install as install_torch_compat  # noqa: E402

install_torch_compat()

OPSET = 17


# --- wrappers: each returns exactly the tensor the runtime's role expects -----------------------


class TextEncoder(torch.nn.Module):
    """clip_skip=1 as diffusers' I2VGen-XL does: final_layer_norm(hidden_states[-2]), not last_hidden_state."""

    def __init__(self, text_encoder):
        super().__init__()
        self.text_encoder = text_encoder

    def forward(self, input_ids):
        out = self.text_encoder(input_ids, output_hidden_states=True)
        return self.text_encoder.text_model.final_layer_norm(out.hidden_states[-2])


class ImageEncoder(torch.nn.Module):
    def __init__(self, image_encoder):
        super().__init__()
        self.image_encoder = image_encoder

    def forward(self, pixel_values):
        return self.image_encoder(pixel_values).image_embeds


class VaeEncoder(torch.nn.Module):
    """The latent distribution's mean, unscaled (the runtime multiplies by scaling_factor).

    diffusers draws latent_dist.sample(); the mean differs from it by std * noise, with std small for
    this VAE. A deterministic graph is easier to verify and cache; see docs/real-model.md.
    """

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        return self.vae.encode(sample).latent_dist.mean


class VaeDecoder(torch.nn.Module):
    """latent [N,4,h,w], already divided by scaling_factor -> sample [N,3,H,W] in about [-1,1]."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent):
        return self.vae.decode(latent).sample


class UNet(torch.nn.Module):
    """Every conditioning input as a plain tensor (no Python ints, no .item()), in the runtime's order."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states, fps, image_latents, image_embeddings):
        return self.unet(
            sample,
            timestep,
            fps=fps,
            image_latents=image_latents,
            image_embeddings=image_embeddings,
            encoder_hidden_states=encoder_hidden_states,
            return_dict=False,
        )[0]


class ExportableAdaptiveAvgPool2d(torch.nn.Module):
    """nn.AdaptiveAvgPool2d whose bins follow the input size at run time.

    I2VGen-XL's unet.image_latents_context_embedding pools the first-frame latent (88 x 160 at
    1280 x 704) to 32 x 32 with nn.AdaptiveAvgPool2d. torch.onnx turns that into an AvgPool whose
    kernel is computed from the *traced* size (or refuses when it does not divide), which is wrong
    at every other resolution. Same bins as PyTorch, [floor(i*n/out), ceil((i+1)*n/out)), written
    as two averaging matrices built from the input's own shape. Checked against the original at
    start-up (check_pool_replacement), since the ONNX check compares with the patched module.
    """

    def __init__(self, output_size):
        super().__init__()
        size = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
        self.out_h, self.out_w = int(size[0]), int(size[1])

    @staticmethod
    def bins(ones, out):
        # ones: a vector of n ones taken from the input, so n stays dynamic in the exported graph.
        n = ones.sum()
        index = ones.cumsum(0) - 1
        i = torch.arange(out, dtype=ones.dtype, device=ones.device)
        start = torch.floor(i * n / out)
        end = torch.ceil((i + 1) * n / out)
        mask = ((index[None, :] >= start[:, None]) & (index[None, :] < end[:, None])).to(ones.dtype)
        return mask / mask.sum(1, keepdim=True)  # [out, n]

    def forward(self, x):
        rows = self.bins(torch.ones_like(x[0, 0, :, 0]), self.out_h)
        cols = self.bins(torch.ones_like(x[0, 0, 0, :]), self.out_w)
        return torch.matmul(torch.matmul(rows, x), cols.transpose(0, 1))


def replace_adaptive_pools(module):
    """Swaps every nn.AdaptiveAvgPool2d in `module` for the exportable one; returns how many."""
    count = 0
    for name, child in list(module.named_modules()):
        if isinstance(child, torch.nn.AdaptiveAvgPool2d):
            parent_name, _, attr = name.rpartition(".")
            parent = module.get_submodule(parent_name) if parent_name else module
            setattr(parent, attr, ExportableAdaptiveAvgPool2d(child.output_size))
            count += 1
    return count


def check_pool_replacement(output_size=(32, 32)):
    """Max abs difference between the replacement and nn.AdaptiveAvgPool2d over awkward sizes."""
    original = torch.nn.AdaptiveAvgPool2d(output_size)
    replacement = ExportableAdaptiveAvgPool2d(output_size)
    worst = 0.0
    for h, w in ((16, 24), (24, 16), (88, 160), (7, 5), (32, 32), (96, 96)):
        x = torch.randn(2, 3, h, w)
        worst = max(worst, float((original(x) - replacement(x)).abs().max()))
    return worst


_REPEAT_INTERLEAVE = torch.Tensor.repeat_interleave


def _exportable_repeat_interleave(self, repeats, dim=None, *, output_size=None):
    """x.repeat_interleave(n, dim) as unsqueeze + expand + flatten, which exports with n dynamic.

    I2VGen-XL repeats its time and context embeddings once per frame with
    repeat_interleave(repeats=num_frames, dim=0); num_frames comes from sample.shape, and
    torch.onnx's repeat_interleave symbolic fails on (or freezes) such a traced count. Tensors of
    per-element repeats keep the original.
    """
    if isinstance(repeats, torch.Tensor) and repeats.numel() != 1:
        return _REPEAT_INTERLEAVE(self, repeats, dim=dim, output_size=output_size)
    x = self.reshape(-1) if dim is None else self
    axis = 0 if dim is None else dim % x.dim()
    sizes = [-1] * (x.dim() + 1)
    sizes[axis + 1] = repeats
    return x.unsqueeze(axis + 1).expand(*sizes).flatten(axis, axis + 1)


class exportable_repeat_interleave:  # noqa: N801 - used as a context manager, reads as one
    """Patches Tensor.repeat_interleave for the duration of an export only; eager checks use the original."""

    def __enter__(self):
        torch.Tensor.repeat_interleave = _exportable_repeat_interleave

    def __exit__(self, *exc):
        torch.Tensor.repeat_interleave = _REPEAT_INTERLEAVE
        return False


# --- sample inputs ---------------------------------------------------------------------------------


def samples(pipe, frames, h, w, batch=2):
    """Inputs for every component at one shape: batch 2 as with guidance, latent h x w.

    Sizes are in latent pixels, so a small test model is traced at as many latent positions as the
    real one (16 x 24 latent = 128 x 192 px for I2VGen-XL), not at a shape that makes it slow.
    """
    g = torch.Generator().manual_seed(0)
    c = pipe.unet.config.in_channels
    d = pipe.text_encoder.config.hidden_size
    size = pipe.feature_extractor.crop_size["height"]
    height, width = h * pipe.vae_scale_factor, w * pipe.vae_scale_factor
    latents = torch.randn(batch, c, frames, h, w, generator=g)
    return {
        "text_encoder": (torch.randint(0, pipe.tokenizer.vocab_size, (batch, 77), generator=g),),
        "image_encoder": (torch.randn(1, 3, size, size, generator=g),),
        "vae_encoder": (torch.rand(1, 3, height, width, generator=g) * 2 - 1,),
        "unet": (
            latents,
            torch.tensor([501], dtype=torch.int64),
            torch.randn(batch, 77, d, generator=g),
            torch.full((batch,), 16, dtype=torch.int64),
            torch.randn(batch, c, frames, h, w, generator=g),
            torch.randn(batch, 1, pipe.image_encoder.config.projection_dim, generator=g),
        ),
        "vae_decoder": (torch.randn(2, c, h, w, generator=g),),
    }


DYNAMIC_AXES = {
    "text_encoder": {"input_ids": {0: "batch"}, "hidden_states": {0: "batch"}},
    "image_encoder": {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}},
    "vae_encoder": {
        "sample": {0: "batch", 2: "height", 3: "width"},
        "latent": {0: "batch", 2: "latent_height", 3: "latent_width"},
    },
    "unet": {
        name: {0: "batch", 2: "frames", 3: "latent_height", 4: "latent_width"}
        for name in ("sample", "image_latents", "model_output")
    }
    | {"encoder_hidden_states": {0: "batch"}, "fps": {0: "batch"}, "image_embeddings": {0: "batch"}},
    "vae_decoder": {
        "latent": {0: "batch", 2: "latent_height", 3: "latent_width"},
        "sample": {0: "batch", 2: "height", 3: "width"},
    },
}


# --- export, fp16, checks ----------------------------------------------------------------------------


def export_fp32(name, module, args, out_dir):
    """torch.onnx.export to a scratch folder, then re-save with all weights in one external data file."""
    import onnx

    target = os.path.join(out_dir, name, "model.fp32.onnx")
    scratch = os.path.join(out_dir, ".scratch", name)
    os.makedirs(scratch, exist_ok=True)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    io = IO_NAMES[name]
    with torch.no_grad(), exportable_repeat_interleave():
        torch.onnx.export(
            module,
            args,
            os.path.join(scratch, "model.onnx"),
            input_names=list(io["inputs"].values()),
            output_names=list(io["outputs"].values()),
            dynamic_axes=DYNAMIC_AXES[name],
            opset_version=OPSET,
            do_constant_folding=True,
        )
    model = onnx.load(os.path.join(scratch, "model.onnx"), load_external_data=True)
    # The UNet is over protobuf's 2 GB limit: weights go to one .data file beside the graph.
    onnx.save_model(
        model,
        target,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.fp32.onnx.data",
        size_threshold=1024,
    )
    del model
    # The scratch copy is as large as the export (5+ GB for the UNet): drop it now, not at the end.
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    return target


# Module scopes computed in fp32 inside the fp16 UNet. The sinusoidal timestep and fps projections
# multiply t (up to 999) by frequencies and take Sin/Cos: in fp16, t * f has a spacing of 0.5 near
# 1000, so the embedding is off by up to ~0.3 (diffusers computes it in fp32, then casts). The two
# small MLPs on top stay fp32 with them; the cast to fp16 happens where they join the network.
FP32_SCOPES = {"unet": ("/unet/time_proj", "/unet/time_embedding", "/unet/fps_embedding")}


def fp32_nodes(name, graph):
    """Names of the nodes to keep fp32; fails when the scopes are missing (names changed)."""
    scopes = FP32_SCOPES.get(name, ())
    nodes = [n.name for n in graph.node if n.name.startswith(scopes)] if scopes else []
    # The module's own dtype casts between the scopes (t_emb.to(sample.dtype)) join them: a
    # converter would otherwise turn Cast-to-float into Cast-to-half between Sin/Cos and the MLP.
    outputs = {o for n in graph.node if n.name in set(nodes) for o in n.output}
    nodes += [n.name for n in graph.node if n.op_type == "Cast" and n.name not in nodes and n.input[0] in outputs]
    # Resize takes its roi/scales as float only; onnxconverter-common turns their Constants into
    # fp16 (measured: ORT then refuses the graph), so those Constants stay fp32 too.
    resize_args = {i for n in graph.node if n.op_type == "Resize" for i in n.input[1:] if i}
    nodes += [n.name for n in graph.node if n.op_type == "Constant" and n.output[0] in resize_args]
    for scope in scopes:
        if not any(n.startswith(scope) for n in nodes):
            raise SystemExit(f"{name}: no node under {scope} in the graph; cannot keep it fp32 (check the exporter)")
    return nodes


def cast_fp32_outputs(path, blocked):
    """Inserts Cast-to-fp16 where a kept-fp32 node feeds an fp16 one; returns how many were added.

    Neither converter does it for these nodes (measured: both left /unet/Add reading the fp32
    time embedding next to an fp16 one, a graph ORT refuses to load, "Type parameter (T) of Optype
    (Gemm) bound to different types"). Only the graph is rewritten; the weights file is untouched.
    """
    import onnx
    from onnx import helper

    model = onnx.load(path, load_external_data=False)
    wanted = set(blocked)
    produced = {o for n in model.graph.node if n.name in wanted for o in n.output}
    graph_outputs = {o.name for o in model.graph.output}
    casts = {}
    for node in model.graph.node:
        if node.name in wanted:
            continue
        for i, name in enumerate(node.input):
            # Resize's roi/scales are float by definition: they stay fp32.
            if node.op_type == "Resize" and i >= 1:
                continue
            if name in produced and name not in graph_outputs:
                if name not in casts:
                    casts[name] = helper.make_node("Cast", [name], [f"{name}_fp16"], name=f"{name}_to_fp16",
                                                   to=onnx.TensorProto.FLOAT16)
                node.input[i] = f"{name}_fp16"
    if casts:
        # Topological order: each Cast right after its producer.
        nodes = []
        for node in model.graph.node:
            nodes.append(node)
            nodes.extend(casts[o] for o in node.output if o in casts)
        del model.graph.node[:]
        model.graph.node.extend(nodes)
        onnx.save(model, path)
    return len(casts)


def check_fp32_nodes(path, blocked):
    """Each kept Sin/Cos/Gemm must read fp32 in the converted graph; returns how many were checked.

    Shape inference does not run on a >2 GB graph, so types are traced instead: a tensor is fp32
    when it is a float graph input or initializer, a Cast to FLOAT, a float Constant, or the output
    of another kept node.
    """
    import onnx

    model = onnx.load(path, load_external_data=False)
    float_type = onnx.TensorProto.FLOAT
    fp32 = {i.name for i in model.graph.input if i.type.tensor_type.elem_type == float_type}
    fp32 |= {t.name for t in model.graph.initializer if t.data_type == float_type}
    wanted = set(blocked)
    for node in model.graph.node:
        to = next((a.i for a in node.attribute if a.name == "to"), None)
        value = next((a.t for a in node.attribute if a.name == "value"), None)
        if (node.op_type == "Cast" and to == float_type) or node.name in wanted or (
            node.op_type == "Constant" and value is not None and value.data_type == float_type
        ):
            fp32.update(node.output)
    checked = 0
    for node in model.graph.node:
        if node.name in wanted and node.op_type in ("Sin", "Cos", "Gemm"):
            reads = node.input[:2] if node.op_type == "Gemm" else node.input[:1]
            bad = [i for i in reads if i not in fp32]
            if bad:
                raise SystemExit(f"{path}: {node.name} ({node.op_type}) reads {bad} which are not fp32")
            checked += 1
    if any(n.op_type in ("Sin", "Cos") for n in model.graph.node) and not checked:
        raise SystemExit(f"{path}: Sin/Cos nodes exist but none was kept fp32")
    return checked


# ONNX Runtime's fused attention operators (com.microsoft): the CUDA EP runs them with flash /
# memory-efficient kernels. Each attention of the fp32 graph is one Softmax; a Softmax left after
# the optimizer is an attention it did not fuse.
FUSED_ATTENTION_OPS = ("MultiHeadAttention", "Attention", "PackedMultiHeadAttention", "PackedAttention")


class UnfusedAttention(Exception):
    """The fp16 graph would keep plain attention; the message says why."""


def attention_fusion(graph, softmax_before):
    """Fused attention operators and the Softmax nodes left, in an optimized graph."""
    counts = {}
    for node in graph.node:
        if node.op_type in FUSED_ATTENTION_OPS or node.op_type == "Softmax":
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
    fused = sum(counts.get(op, 0) for op in FUSED_ATTENTION_OPS)
    return {"softmax_before": softmax_before, "fused": fused, "unfused": counts.get("Softmax", 0)}


def unfused_reason(attention):
    """None when every attention of the graph was fused, else what is missing."""
    if attention["softmax_before"] == 0:
        return None  # no attention in this graph
    if attention["unfused"] or not attention["fused"]:
        return (
            f"{attention['unfused']} of {attention['softmax_before']} attention Softmax node(s) left unfused, "
            f"{attention['fused']} fused attention operator(s)"
        )
    return None


def fp16_from_disk(source, target, blocked):
    """ORT's fp16 conversion of a saved (fused) graph, holding its weights once.

    OnnxModel.convert_float_to_float16 would run symbolic shape inference on a full copy of the
    model. Here it runs on the graph loaded without its external weights (what it needs are types,
    and the small shape constants stay inline), its types are merged into value_info as ORT does,
    then the weights are loaded and converted in place, tensor by tensor.
    """
    import onnx
    from onnx import TensorProto, ValueInfoProto
    from onnxruntime.transformers.float16 import convert_float_to_float16
    from onnxruntime.transformers.onnx_model import OnnxModel
    from onnxruntime.transformers.shape_infer_helper import SymbolicShapeInferenceHelper

    model = onnx.load(source, load_external_data=False)
    try:
        inferred = SymbolicShapeInferenceHelper(model).infer_shapes(model, auto_merge=True, guess_output_rank=False)
    except Exception as error:  # noqa: BLE001 - ORT itself warns and goes on (the graph's own types serve)
        print(f"  symbolic shape inference failed ({type(error).__name__}: {error}); converting with the graph's types", flush=True)
        inferred = None
    known = {vi.name for vi in model.graph.value_info}
    for vi in inferred.graph.value_info if inferred is not None else []:
        if vi.name and vi.name not in known and vi.type.tensor_type.elem_type != TensorProto.UNDEFINED:
            typed = ValueInfoProto()
            typed.CopyFrom(vi)
            typed.type.tensor_type.ClearField("shape")  # types only, as ORT merges them
            model.graph.value_info.append(typed)
    del inferred
    onnx.load_external_data_for_model(model, os.path.dirname(os.path.abspath(source)))
    converted = OnnxModel(
        convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=True, node_block_list=blocked)
    )
    converted.remove_cascaded_cast_nodes()
    converted.save_model_to_file(target, use_external_data_format=True, all_tensors_to_one_file=True)


def convert_fp16(name, fp32_path, optimizer=True, allow_unfused=False):
    """fp16 weights and compute, fp32 inputs and outputs (the runtime feeds fp32 at the JS boundary).

    ORT's transformer optimizer fuses attention into MultiHeadAttention / Attention, which the CUDA
    EP runs with flash / memory-efficient kernels: without it attention at 512 px and up does not
    fit a GPU (docs/real-model.md). So the conversion fails, naming the reason, when the optimizer
    fails or leaves any attention unfused; `allow_unfused` accepts it (the optimized graph when the
    optimizer ran, onnxconverter-common when it failed) and the caller records it in the manifest.
    Both keep the FP32_SCOPES nodes in fp32 (node_block_list); the result is checked in the graph.
    """
    import onnx

    target = fp32_path.replace("model.fp32.onnx", "model.fp16.onnx")
    model_type = {"unet": "unet", "text_encoder": "clip", "image_encoder": "clip"}[name]
    softmax = sum(n.op_type == "Softmax" for n in onnx.load(fp32_path, load_external_data=False).graph.node)
    info = {"fused_operators": None, "attention": {"softmax_before": softmax, "fused": 0, "unfused": softmax}}
    optimized, reason = None, None
    try:
        if not optimizer:
            raise RuntimeError("optimizer not requested")
        from onnxruntime.transformers.fusion_options import FusionOptions
        from onnxruntime.transformers.optimizer import optimize_model

        options = FusionOptions(model_type)
        optimized = optimize_model(
            fp32_path, model_type=model_type, num_heads=0, hidden_size=0, opt_level=0,
            optimization_options=options, use_gpu=True,
        )
        info["fused_operators"] = optimized.get_fused_operator_statistics()
        info["attention"] = attention_fusion(optimized.model.graph, softmax)
        reason = unfused_reason(info["attention"])
        print(f"  {name}: fused operators {info['fused_operators']}, attention {info['attention']}", flush=True)
    except Exception as error:  # noqa: BLE001 - reported below, with the optimizer's own message
        optimized = None
        reason = f"ONNX Runtime's transformer optimizer failed: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
    if reason and not allow_unfused:
        raise UnfusedAttention(
            f"{name}: the fp16 graph would keep plain attention ({reason}). Unfused attention at 512 px "
            "and up does not fit a GPU. Check the attention processor (plain AttnProcessor) and the "
            "onnxruntime pin, or pass --allow-unfused to accept it (recorded in the manifest)."
        )
    info["unfused_reason"] = reason
    if optimized is not None:
        blocked = fp32_nodes(name, optimized.model.graph)
        # The fused fp32 graph goes to disk and is converted from there: converted in memory, the
        # model is held twice (symbolic shape inference copies it with its weights), which took the
        # full-size UNet (5.4 GB of weights) past 24 GiB and got it killed.
        staged = target.replace("model.fp16.onnx", "model.fused-fp32.onnx")
        optimized.save_model_to_file(staged, use_external_data_format=True, all_tensors_to_one_file=True)
        del optimized
        gc.collect()
        try:
            fp16_from_disk(staged, target, blocked)
        finally:
            for leftover in (staged, staged + ".data"):
                if os.path.exists(leftover):
                    os.remove(leftover)
        how = "onnxruntime.transformers optimizer"
    else:
        print(f"  {name}: {reason}; plain fp16 conversion (--allow-unfused)", flush=True)
        from onnxconverter_common import float16

        source = onnx.load(fp32_path)
        blocked = fp32_nodes(name, source.graph)
        # Shape inference serializes the model, which fails over 2 GB (the UNet): skip it.
        model = float16.convert_float_to_float16(
            source, keep_io_types=True, disable_shape_infer=True, node_block_list=blocked
        )
        onnx.save_model(
            model, target, save_as_external_data=True, all_tensors_to_one_file=True,
            location="model.fp16.onnx.data", size_threshold=1024,
        )
        how = "onnxconverter-common"
    casts = cast_fp32_outputs(target, blocked)
    checked = check_fp32_nodes(target, blocked)
    print(
        f"  {name}: {len(blocked)} node(s) kept fp32, {casts} cast(s) to fp16 added after them, "
        f"{checked} Sin/Cos/Gemm checked in the converted graph",
        flush=True,
    )
    kept = {"fp32_nodes": len(blocked), "casts_added": casts, "fp32_nodes_checked": checked}
    return target, how, {**kept, **info}


def check(name, module, args, onnx_path, providers, tolerance):
    """Max abs error of the ONNX file against the PyTorch module on the same inputs."""
    import onnxruntime as ort

    with torch.no_grad():
        expected = module(*args).float().numpy()
    session = ort.InferenceSession(onnx_path, providers=providers)
    feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
    actual = session.run(None, feeds)[0].astype(np.float32)
    error = float(np.max(np.abs(actual - expected))) if actual.shape == expected.shape else float("inf")
    scale = float(np.max(np.abs(expected))) or 1.0
    result = {
        "file": os.path.basename(onnx_path),
        "shape": list(actual.shape),
        "max_abs_error": error,
        "max_abs_reference": scale,
        "nan": bool(np.isnan(actual).any()),
        "ok": bool(error <= tolerance * max(1.0, scale) and not np.isnan(actual).any()),
    }
    print(f"  {name} {result['file']}: max abs error {error:.3g} (|ref| <= {scale:.3g}) ok={result['ok']}", flush=True)
    return result


# --- main ------------------------------------------------------------------------------------------


def resolve_model_dir(args):
    if args.model_dir:
        return args.model_dir, args.revision
    from huggingface_hub import snapshot_download

    repo, _, revision = args.model.partition("@")
    # local_files_only: the SSD cache already holds the snapshot; HF_ENDPOINT was used when it was fetched.
    path = snapshot_download(repo, revision=revision or None, local_files_only=True)
    return path, args.revision or os.path.basename(path.rstrip("/"))


def main():
    parser = argparse.ArgumentParser(description="Export I2VGen-XL to the i2v-manifest/1 format")
    parser.add_argument("--model-dir", help="a diffusers I2VGenXLPipeline folder (a snapshot)")
    parser.add_argument("--model", default="ali-vilab/i2vgen-xl", help="Hub reference, read from the HF cache")
    parser.add_argument("--revision", help="recorded in the manifest")
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-fp16", action="store_true")
    parser.add_argument("--tolerance", type=float, default=2e-3, help="fp32 max abs error / max(1, |ref|)")
    parser.add_argument("--fp16-tolerance", type=float, default=5e-2)
    parser.add_argument(
        "--allow-unfused", action="store_true",
        help="accept an fp16 graph whose attention ORT's optimizer did not fuse (recorded in the manifest)",
    )
    args = parser.parse_args()

    from diffusers import I2VGenXLPipeline
    from diffusers.models.attention_processor import AttnProcessor
    from transformers import CLIPTokenizerFast

    model_dir, revision = resolve_model_dir(args)
    started = time.time()
    pipe = I2VGenXLPipeline.from_pretrained(model_dir, torch_dtype=torch.float32, local_files_only=True)
    # Plain attention: SDPA / xformers kernels do not export (or export as custom ops ORT lacks).
    pipe.unet.set_attn_processor(AttnProcessor())
    pipe.vae.set_attn_processor(AttnProcessor())
    pool_error = check_pool_replacement()
    if pool_error > 1e-5:
        raise SystemExit(f"the exportable adaptive pool differs from PyTorch's by {pool_error}")
    pools = replace_adaptive_pools(pipe.unet)
    print(f"replaced {pools} adaptive pool(s) in the UNet (max abs difference {pool_error:.2g})", flush=True)
    modules = {
        "text_encoder": TextEncoder(pipe.text_encoder),
        "image_encoder": ImageEncoder(pipe.image_encoder),
        "vae_encoder": VaeEncoder(pipe.vae),
        "unet": UNet(pipe.unet),
        "vae_decoder": VaeDecoder(pipe.vae),
    }
    for m in modules.values():
        m.eval()
    # Trace at one shape, check at another: frames, height and width all differ.
    trace = samples(pipe, frames=4, h=16, w=24)
    probe = samples(pipe, frames=3, h=24, w=16)

    import onnxruntime as ort

    gpu = "CUDAExecutionProvider" in ort.get_available_providers()
    report = {
        "model_dir": model_dir,
        "revision": revision,
        "opset": OPSET,
        "adaptive_pools_replaced": pools,
        "adaptive_pool_max_abs_error": pool_error,
        "components": {},
    }
    os.makedirs(args.out, exist_ok=True)
    unfused = []
    for name, module in modules.items():
        print(f"exporting {name}", flush=True)
        entry = report["components"][name] = {}
        fp32_path = export_fp32(name, module, trace[name], args.out)
        entry["fp32"] = check(name, module, probe[name], fp32_path, ["CPUExecutionProvider"], args.tolerance)
        if args.no_fp16 or name in ("vae_encoder", "vae_decoder"):
            continue
        try:
            fp16_path, how, kept = convert_fp16(name, fp32_path, allow_unfused=args.allow_unfused)
        except UnfusedAttention as error:
            print(f"export failed: {error}", file=sys.stderr)
            return 2
        entry["fp16_conversion"] = how
        entry["fused_operators"] = kept.pop("fused_operators")
        entry["attention"] = kept.pop("attention")
        if kept.pop("unfused_reason"):
            unfused.append(name)
            entry["attention"]["accepted_unfused"] = True
        entry["fp16_kept_fp32"] = kept
        if gpu:
            entry["fp16"] = check(name, module, probe[name], fp16_path, ["CUDAExecutionProvider"], args.fp16_tolerance)
        else:
            # ORT's CPU provider lacks fp16 kernels for much of this graph; check on the GPU box.
            entry["fp16"] = {"skipped": "no CUDA provider here; run the runtime's smoke test on the GPU box"}

    tok_dir = os.path.join(args.out, "tokenizer")
    os.makedirs(tok_dir, exist_ok=True)
    # The model ships vocab.json + merges.txt; the fast tokenizer writes the tokenizer.json the runtime reads.
    CLIPTokenizerFast.from_pretrained(model_dir, subfolder="tokenizer").backend_tokenizer.save(
        os.path.join(tok_dir, "tokenizer.json")
    )
    variants = ("fp32",) if args.no_fp16 else ("fp32", "fp16")
    write_manifest(model_dir, args.out, variants=variants, revision=revision, unfused_attention=unfused)
    report["seconds"] = round(time.time() - started, 1)
    with open(os.path.join(args.out, "export-report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    import shutil

    shutil.rmtree(os.path.join(args.out, ".scratch"), ignore_errors=True)
    failed = [
        f"{n}.{v}" for n, e in report["components"].items() for v in ("fp32", "fp16") if e.get(v, {}).get("ok") is False
    ]
    if failed:
        print(f"export checks failed: {', '.join(failed)} (see export-report.json)", file=sys.stderr)
        return 1
    print(f"exported to {args.out} in {report['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
