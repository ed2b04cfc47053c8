"""Full-size I2VGen-XL with random weights: build, export one component per process, fp16, torch step.

    python full_size.py build --out MODEL_DIR
        The published configs (bench/gpu/i2vgen_full.py) as a pipeline folder in the Hub's layout,
        one component at a time (never the whole pipeline in memory), seeded, safetensors.
    python full_size.py export NAME --model MODEL_DIR --out EXPORT_DIR
        One component with the exporter's own wrappers, sample shapes and export function
        (images/export/export_i2vgen_xl.py), in its own process so its peak RSS is its own; the
        small components are checked against torch at a second shape (the UNet's check is the step
        comparison, which needs the torch UNet and the ORT session together). One JSON line.
    python full_size.py fp16 --out EXPORT_DIR
        The exporter's convert_fp16 on the full UNet: fused attention counted (fails when unfused),
        the fp32 blocks checked in the graph, size and peak RSS recorded. One JSON line.
    python full_size.py manifest --model MODEL_DIR --out EXPORT_DIR [--fp16]
        tokenizer.json and manifest.json, as the exporter writes them.
    python full_size.py torch-step --model MODEL_DIR
        A line protocol for bench/suites/real-model.ts: loads the torch UNet, then for each line
        "STEP DIR" reads DIR/{sample,...}.npy, runs one step, writes DIR/torch.npy and answers with
        the seconds; interleaved with our ORT step in the Node process.

Run by `npm run bench -- --only=real-model` with I2V_BENCH_FULL_SIZE=DIR (not CI).
"""

import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(REPO, "bench", "gpu"))
sys.path.insert(0, os.path.join(REPO, "images", "export"))
sys.path.insert(0, os.path.join(REPO, "runtime", "test", "real-model", "parity"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_compat import install  # noqa: E402

install()
import i2vgen_full  # noqa: E402

COMPONENTS = ("text_encoder", "image_encoder", "vae_encoder", "vae_decoder", "unet")
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def emit(record):
    print(json.dumps(record), flush=True)


def build(out):
    """Each component built, saved and dropped in turn; model_index.json as save_pretrained writes it."""
    from diffusers import AutoencoderKL, DDIMScheduler
    from tiny_i2vgen import write_clip_tokenizer
    from transformers import (CLIPImageProcessor, CLIPTextConfig, CLIPTextModel, CLIPVisionConfig,
                              CLIPVisionModelWithProjection)

    started = time.time()
    os.makedirs(out, exist_ok=True)
    tokenizer, vocab = write_clip_tokenizer(os.path.join(out, ".tokenizer-src"))
    tokenizer.save_pretrained(os.path.join(out, "tokenizer"))
    stray = os.path.join(out, "tokenizer", "tokenizer.json")
    if os.path.exists(stray):
        os.remove(stray)  # the published folder has none; the exporter writes it
    CLIPImageProcessor(crop_size={"height": 224, "width": 224}, size={"shortest_edge": 224}, resample=3,
                       image_mean=CLIP_MEAN, image_std=CLIP_STD).save_pretrained(os.path.join(out, "feature_extractor"))
    DDIMScheduler(**i2vgen_full.SCHEDULER).save_pretrained(os.path.join(out, "scheduler"))
    params = {}
    builders = {
        # The published text encoder's vocabulary (49408) with our small BPE: ids stay in range.
        "text_encoder": lambda: CLIPTextModel(CLIPTextConfig(**i2vgen_full.TEXT, bos_token_id=vocab - 2,
                                                             eos_token_id=vocab - 1, pad_token_id=vocab - 1)),
        "image_encoder": lambda: CLIPVisionModelWithProjection(CLIPVisionConfig(**i2vgen_full.VISION)),
        "vae": lambda: AutoencoderKL(**i2vgen_full.VAE),
        "unet": lambda: i2vgen_full.build_unet(i2vgen_full.UNET),
    }
    for seed, (name, make) in enumerate(builders.items()):
        torch.manual_seed(seed)
        module = make().eval()
        params[name] = sum(p.numel() for p in module.parameters())
        module.save_pretrained(os.path.join(out, name), safe_serialization=True)
        del module
    index = {
        "_class_name": "I2VGenXLPipeline",
        "feature_extractor": ["transformers", "CLIPImageProcessor"],
        "image_encoder": ["transformers", "CLIPVisionModelWithProjection"],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "I2VGenXLUNet"],
        "vae": ["diffusers", "AutoencoderKL"],
    }
    with open(os.path.join(out, "model_index.json"), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2)
    emit({"built": out, "params": params, "seconds": round(time.time() - started, 1), "peak_rss_mb": peak_mb()})


class Configs:
    """What export_i2vgen_xl.samples() reads from a pipeline, from the saved configs only."""

    def __init__(self, model_dir):
        def read(*parts):
            with open(os.path.join(model_dir, *parts), encoding="utf-8") as f:
                return json.load(f)

        ns = lambda **kw: type("NS", (), kw)  # noqa: E731
        unet, vae = read("unet", "config.json"), read("vae", "config.json")
        text, vision = read("text_encoder", "config.json"), read("image_encoder", "config.json")
        crop = read("feature_extractor", "preprocessor_config.json")["crop_size"]
        with open(os.path.join(model_dir, "tokenizer", "vocab.json"), encoding="utf-8") as f:
            vocab = len(json.load(f))
        self.unet = ns(config=ns(in_channels=unet["in_channels"]))
        self.text_encoder = ns(config=ns(hidden_size=text["hidden_size"]))
        self.image_encoder = ns(config=ns(projection_dim=vision["projection_dim"]))
        self.feature_extractor = ns(crop_size=crop)
        self.tokenizer = ns(vocab_size=vocab)
        self.vae_scale_factor = 2 ** (len(vae["block_out_channels"]) - 1)


def load_module(name, model_dir):
    """The exporter's wrapper around one component loaded from the folder (plain attention, pools replaced)."""
    import export_i2vgen_xl as ex
    from diffusers import AutoencoderKL, I2VGenXLUNet
    from diffusers.models.attention_processor import AttnProcessor
    from transformers import CLIPTextModel, CLIPVisionModelWithProjection

    if name == "text_encoder":
        return ex.TextEncoder(CLIPTextModel.from_pretrained(os.path.join(model_dir, name))).eval()
    if name == "image_encoder":
        return ex.ImageEncoder(CLIPVisionModelWithProjection.from_pretrained(os.path.join(model_dir, name))).eval()
    if name in ("vae_encoder", "vae_decoder"):
        vae = AutoencoderKL.from_pretrained(os.path.join(model_dir, "vae"))
        vae.set_attn_processor(AttnProcessor())
        return (ex.VaeEncoder if name == "vae_encoder" else ex.VaeDecoder)(vae).eval()
    unet = I2VGenXLUNet.from_pretrained(os.path.join(model_dir, "unet"))
    unet.set_attn_processor(AttnProcessor())
    ex.replace_adaptive_pools(unet)
    return ex.UNet(unet).eval()


def export(name, model_dir, out):
    import export_i2vgen_xl as ex

    started = time.time()
    module = load_module(name, model_dir)
    loaded = time.time() - started
    configs = Configs(model_dir)
    trace = ex.samples(configs, frames=4, h=16, w=24)[name]
    t = time.time()
    path = ex.export_fp32(name, module, trace, out)
    exported = time.time() - t
    record = {"component": name, "load_s": round(loaded, 1), "export_s": round(exported, 1),
              "export_peak_rss_mb": peak_mb()}
    if name != "unet":
        record["check"] = ex.check(name, module, ex.samples(configs, frames=3, h=24, w=16)[name], path,
                                   ["CPUExecutionProvider"], 2e-3)
    folder = os.path.dirname(path)
    record["bytes"] = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    record["peak_rss_mb"] = peak_mb()
    emit(record)


def fp16(out):
    import export_i2vgen_xl as ex

    started = time.time()
    path, how, kept = ex.convert_fp16("unet", os.path.join(out, "unet", "model.fp32.onnx"))
    folder = os.path.dirname(path)
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if ".fp16." in f)
    emit({"component": "unet", "fp16_s": round(time.time() - started, 1), "conversion": how, **kept,
          "fp16_bytes": size, "peak_rss_mb": peak_mb()})


def manifest(model_dir, out, with_fp16):
    from i2v_manifest import write_manifest
    from transformers import CLIPTokenizerFast

    tok_dir = os.path.join(out, "tokenizer")
    os.makedirs(tok_dir, exist_ok=True)
    CLIPTokenizerFast.from_pretrained(model_dir, subfolder="tokenizer").backend_tokenizer.save(
        os.path.join(tok_dir, "tokenizer.json"))
    write_manifest(model_dir, out, variants=("fp32", "fp16") if with_fp16 else ("fp32",), name="i2vgen-xl-random")
    emit({"manifest": os.path.join(out, "manifest.json")})


UNET_INPUTS = ("sample", "timestep", "encoder_hidden_states", "fps", "image_latents", "image_embeddings")


def torch_step(model_dir, threads):
    """Answers "STEP DIR" lines: one torch UNet call on DIR's inputs, output to DIR/torch.npy."""
    if threads:
        torch.set_num_threads(threads)
    unet = load_module("unet", model_dir).unet
    # diffusers' own default processor on this torch (plain attention on torch 1.x, SDPA on 2.x).
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    unet.set_attn_processor(AttnProcessor2_0() if hasattr(torch.nn.functional, "scaled_dot_product_attention")
                            else AttnProcessor())
    emit({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__, "rss_mb": peak_mb()})
    for line in sys.stdin:
        command, _, folder = line.strip().partition(" ")
        if command != "STEP":
            break
        x = [torch.from_numpy(np.load(os.path.join(folder, f"{n}.npy"))) for n in UNET_INPUTS]
        with torch.no_grad():
            t = time.perf_counter()
            y = unet(x[0], x[1], fps=x[3], image_latents=x[4], image_embeddings=x[5],
                     encoder_hidden_states=x[2], return_dict=False)[0]
            seconds = time.perf_counter() - t
        np.save(os.path.join(folder, "torch.npy"), y.numpy())
        emit({"seconds": seconds, "peak_rss_mb": peak_mb()})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build").add_argument("--out", required=True)
    e = sub.add_parser("export")
    e.add_argument("name", choices=COMPONENTS)
    e.add_argument("--model", required=True)
    e.add_argument("--out", required=True)
    sub.add_parser("fp16").add_argument("--out", required=True)
    m = sub.add_parser("manifest")
    m.add_argument("--model", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--fp16", action="store_true")
    s = sub.add_parser("torch-step")
    s.add_argument("--model", required=True)
    s.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.command == "build":
        build(args.out)
    elif args.command == "export":
        export(args.name, args.model, args.out)
    elif args.command == "fp16":
        fp16(args.out)
    elif args.command == "manifest":
        manifest(args.model, args.out, args.fp16)
    else:
        torch_step(args.model, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
