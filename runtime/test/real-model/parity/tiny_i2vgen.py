"""Tiny random-weight I2VGen-XL built from diffusers' and transformers' own classes, and its reference run.

    python tiny_i2vgen.py build --out DIR
        A pipeline folder in the Hub's layout (model_index.json, one folder per component,
        safetensors, a CLIP tokenizer with only vocab.json + merges.txt as the published model has),
        with the published scheduler config (DDIM, v-prediction, zero-SNR rescale, leading spacing).

    python tiny_i2vgen.py reference --model DIR --cases CASES.json --out DIR
        Runs diffusers' I2VGenXLPipeline for each case from the case's initial noise (.npy) and
        writes every stage as .npy: the CLIP and VAE inputs, text and image embeddings, the image
        latents, each UNet call's output, the final latents, the decoded frames (float) and the
        uint8 frames. The VAE latent is the distribution's mean (our exported encoder's output).

Used by parity.test.ts; needs diffusers, transformers and torch (npm run export-model -- --print-python).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

# The exporter's torch 1.13 workaround applies to the reference run as well (same interpreter).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "images", "export"))
from torch_compat import install as install_torch_compat  # noqa: E402

install_torch_compat()


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (the byte-level alphabet CLIP's BPE works on)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def write_clip_tokenizer(folder):
    """A CLIP BPE vocabulary: the byte alphabet, each with </w>, a few merges, the two specials."""
    from transformers import CLIPTokenizer

    os.makedirs(folder, exist_ok=True)
    alphabet = bytes_to_unicode()
    vocab = {c: i for i, c in enumerate(alphabet)}
    for c in alphabet:
        vocab[c + "</w>"] = len(vocab)
    merges = [("c", "a"), ("ca", "t</w>"), ("w", "a"), ("l", "k"), ("i", "n"), ("in", "g</w>")]
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    tok = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), model_max_length=77)
    return tok, len(vocab)


def build(out):
    from diffusers import AutoencoderKL, DDIMScheduler, I2VGenXLPipeline, I2VGenXLUNet
    from transformers import (
        CLIPImageProcessor,
        CLIPTextConfig,
        CLIPTextModel,
        CLIPVisionConfig,
        CLIPVisionModelWithProjection,
    )

    torch.manual_seed(0)
    dim = 32  # text hidden size = image projection = UNet cross-attention width
    scratch = os.path.join(out, ".tokenizer-src")
    tokenizer, vocab_size = write_clip_tokenizer(scratch)
    unet = I2VGenXLUNet(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        block_out_channels=(16, 32),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=dim,
        attention_head_dim=4,
        norm_num_groups=8,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=64,
        scaling_factor=0.18125,
        force_upcast=True,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=vocab_size,
            hidden_size=dim,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=vocab_size - 2,
            eos_token_id=vocab_size - 1,
            pad_token_id=vocab_size - 1,
            hidden_act="gelu",
            projection_dim=dim,
        )
    )
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=dim,
            projection_dim=dim,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            image_size=32,
            patch_size=4,
            hidden_act="gelu",
        )
    )
    # As the published model's feature_extractor/preprocessor_config.json, at a 32 px crop.
    feature_extractor = CLIPImageProcessor(
        crop_size={"height": 32, "width": 32},
        size={"shortest_edge": 32},
        resample=3,
        image_mean=[0.48145466, 0.4578275, 0.40821073],
        image_std=[0.26862954, 0.26130258, 0.27577711],
    )
    # The published scheduler_config.json (ali-vilab/i2vgen-xl).
    scheduler = DDIMScheduler(
        beta_start=0.0001,
        beta_end=0.02,
        beta_schedule="squaredcos_cap_v2",
        clip_sample=False,
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        rescale_betas_zero_snr=True,
        set_alpha_to_one=True,
        steps_offset=1,
        timestep_spacing="leading",
    )
    pipe = I2VGenXLPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        image_encoder=image_encoder,
        feature_extractor=feature_extractor,
        unet=unet,
        scheduler=scheduler,
    )
    pipe.save_pretrained(out, safe_serialization=True)
    import shutil

    shutil.rmtree(scratch, ignore_errors=True)
    # The published tokenizer folder has no tokenizer.json; the exporter must write it.
    stray = os.path.join(out, "tokenizer", "tokenizer.json")
    if os.path.exists(stray):
        os.remove(stray)
    print(json.dumps({"built": out, "vocab_size": vocab_size}))


def reference(model_dir, cases_file, out):
    import PIL.Image
    from diffusers import DPMSolverMultistepScheduler, I2VGenXLPipeline
    from diffusers.models.autoencoders.vae import DiagonalGaussianDistribution
    from diffusers.utils import load_image

    # The exported VAE encoder returns the mean; make the reference draw the same "sample".
    DiagonalGaussianDistribution.sample = lambda self, generator=None: self.mean
    pipe = I2VGenXLPipeline.from_pretrained(model_dir, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    ddim = pipe.scheduler
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        folder = os.path.join(out, case["name"])
        os.makedirs(folder, exist_ok=True)
        record = {}

        def save(name, tensor):
            array = tensor.detach().cpu().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
            np.save(os.path.join(folder, f"{name}.npy"), array)

        calls = []
        unet_forward = pipe.unet.forward

        def traced_unet(sample, timestep, *args, **kwargs):
            result = unet_forward(sample, timestep, *args, **kwargs)
            if not calls:
                save("text_hidden", kwargs["encoder_hidden_states"])
                save("image_embeds", kwargs["image_embeddings"])
                save("image_latents", kwargs["image_latents"])
            save(f"unet_{len(calls)}", result[0])
            calls.append(int(timestep))
            return result

        image_forward = pipe.image_encoder.forward
        vae_encode = pipe.vae.encode
        decode_latents = pipe.decode_latents

        def traced_image(pixel_values, *a, **k):
            save("clip_pixels", pixel_values)
            return image_forward(pixel_values, *a, **k)

        def traced_encode(sample, *a, **k):
            save("vae_input", sample)
            return vae_encode(sample, *a, **k)

        def traced_decode(latents, *a, **k):
            save("latents_final", latents)
            video = decode_latents(latents, *a, **k)
            save("decoded", video)
            return video

        pipe.unet.forward = traced_unet
        pipe.image_encoder.forward = traced_image
        pipe.vae.encode = traced_encode
        pipe.decode_latents = traced_decode
        pipe.scheduler = (
            DPMSolverMultistepScheduler.from_config(ddim.config) if case["scheduler"] == "dpmpp-2m" else ddim
        )
        latents = torch.from_numpy(np.load(case["init_latents"]))
        image = load_image(case["image"])
        frames = pipe(
            prompt=case["prompt"],
            negative_prompt=case.get("negative_prompt", ""),
            image=image,
            height=case["height"],
            width=case["width"],
            num_frames=case["frames"],
            num_inference_steps=case["steps"],
            guidance_scale=case["guidance"],
            target_fps=case["fps"],
            latents=latents,
            output_type="pil",
        ).frames[0]
        # uint8 values, stored as float32 so one .npy reader serves every stage.
        save("frames", np.stack([np.asarray(frame.convert("RGB"), dtype=np.uint8) for frame in frames]).astype(np.float32))
        record.update(timesteps=calls, init_noise_sigma=float(pipe.scheduler.init_noise_sigma))
        with open(os.path.join(folder, "record.json"), "w", encoding="utf-8") as f:
            json.dump(record, f)
        pipe.unet.forward = unet_forward
        pipe.image_encoder.forward = image_forward
        pipe.vae.encode = vae_encode
        pipe.decode_latents = decode_latents
        assert isinstance(frames[0], PIL.Image.Image)
    print(json.dumps({"cases": [c["name"] for c in cases]}))


def time_case(model_dir, cases_file, repeats):
    """Median wall time of I2VGenXLPipeline.__call__ for the first case (loaded once, warmed up once)."""
    import time

    from diffusers import I2VGenXLPipeline
    from diffusers.utils import load_image

    pipe = I2VGenXLPipeline.from_pretrained(model_dir, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    with open(cases_file, encoding="utf-8") as f:
        case = json.load(f)[0]
    latents = torch.from_numpy(np.load(case["init_latents"]))
    image = load_image(case["image"])
    seconds = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        pipe(prompt=case["prompt"], negative_prompt="", image=image, height=case["height"], width=case["width"],
             num_frames=case["frames"], num_inference_steps=case["steps"], guidance_scale=case["guidance"],
             target_fps=case["fps"], latents=latents.clone(), output_type="pil")
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": sorted(seconds[1:])[len(seconds[1:]) // 2], "runs": seconds[1:]}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", required=True)
    r = sub.add_parser("reference")
    r.add_argument("--model", required=True)
    r.add_argument("--cases", required=True)
    r.add_argument("--out", required=True)
    t = sub.add_parser("time")
    t.add_argument("--model", required=True)
    t.add_argument("--cases", required=True)
    t.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.command == "build":
        build(args.out)
    elif args.command == "time":
        time_case(args.model, args.cases, args.repeats)
    else:
        reference(args.model, args.cases, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
