"""Tiny random-weight Wan image-to-video models from diffusers' and transformers' own classes, and their reference run.

    python tiny_wan.py build --variant wan2.1 --out DIR
        Wan 2.1 I2V: UMT5 text encoder, CLIP vision image encoder (+ CLIPImageProcessor), one
        WanTransformer3DModel with image_dim / added_kv_proj_dim, AutoencoderKLWan, and the published
        UniPCMultistepScheduler config of Wan-AI/Wan2.1-I2V-14B-480P-Diffusers (flow_shift 3.0).
    python tiny_wan.py build --variant wan2.2 --out DIR
        Wan 2.2 A14B layout: no image encoder, `transformer` and `transformer_2`, boundary_ratio 0.9,
        flow_shift 5.0.

    Both are saved with save_pretrained (the Hub's layout, model_index.json), with a UMT5
    SentencePiece tokenizer built offline (../tiny_umt5_tokenizer.py).

    python tiny_wan.py reference --model DIR --cases CASES.json --out DIR
        Runs diffusers' WanImageToVideoPipeline per case from the case's `latents` (.npy) and writes
        every stage as .npy: CLIP pixels, VAE input, prompt embeddings, image embeddings, the
        condition (mask + latent), each transformer call, the final latents, the decoded video and
        the uint8 frames.

Random weights are scaled so that the prompt and the image tokens visibly change the video (see
`make_conditioning_matter`); `reference` prints how much they change it.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

# The published scheduler_config.json of the Wan diffusers repositories (UniPC, flow prediction).
UNIPC_CONFIG = {
    "beta_end": 0.02,
    "beta_schedule": "linear",
    "beta_start": 0.0001,
    "disable_corrector": [],
    "dynamic_thresholding_ratio": 0.995,
    "final_sigmas_type": "zero",
    "lower_order_final": True,
    "num_train_timesteps": 1000,
    "predict_x0": True,
    "prediction_type": "flow_prediction",
    "rescale_betas_zero_snr": False,
    "sample_max_value": 1.0,
    "solver_order": 2,
    "solver_p": None,
    "solver_type": "bh2",
    "steps_offset": 0,
    "thresholding": False,
    "timestep_spacing": "linspace",
    "trained_betas": None,
    "use_beta_sigmas": False,
    "use_exponential_sigmas": False,
    "use_flow_sigmas": True,
    "use_karras_sigmas": False,
}

TEXT_DIM = 32
IMAGE_DIM = 32
MAX_TEXT = 512  # WanAttnProcessor takes the last 512 context tokens as text: the length is fixed


def write_umt5_tokenizer(folder):
    """The Hub-like tiny UMT5 tokenizer (SentencePiece Unigram, spiece.model + tokenizer.json) that
    tiny_umt5_tokenizer.py builds offline, loaded as the pipeline loads it."""
    from transformers import AutoTokenizer

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from tiny_umt5_tokenizer import build as build_tokenizer

    build_tokenizer(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    return tokenizer, len(tokenizer)


def make_conditioning_matter(transformer, scale):
    """Make the text and the image tokens move the prediction visibly (else the parity proves
    nothing about them). With random weights the ~500 zero-padded text positions (identical keys)
    take nearly all the cross-attention, so the prompt's few tokens barely count: padding is mapped
    to zero keys and values (no biases on its path) and the q/k norms are sharpened so the real
    tokens win the softmax; the cross-attention output is scaled up next to the residual stream."""
    with torch.no_grad():
        for linear in (transformer.condition_embedder.text_embedder.linear_1,
                       transformer.condition_embedder.text_embedder.linear_2):
            linear.bias.zero_()
        for block in transformer.blocks:
            attn = block.attn2
            attn.to_k.bias.zero_()
            attn.to_v.bias.zero_()
            attn.norm_q.weight.mul_(4.0)
            attn.norm_k.weight.mul_(4.0)
            attn.to_out[0].weight.mul_(scale)


def build(variant, out):
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    tokenizer, vocab = write_umt5_tokenizer(os.path.join(out, ".tok"))
    text_encoder = UMT5EncoderModel(
        UMT5Config(vocab_size=vocab, d_model=TEXT_DIM, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
                   relative_attention_num_buckets=32, relative_attention_max_distance=128,
                   feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    )
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    wan21 = variant == "wan2.1"

    def transformer():
        model = WanTransformer3DModel(
            patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36, out_channels=16,
            text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
            qk_norm="rms_norm_across_heads", rope_max_seq_len=32,
            image_dim=IMAGE_DIM if wan21 else None, added_kv_proj_dim=24 if wan21 else None,
        )
        make_conditioning_matter(model, 8.0)
        return model

    scheduler = UniPCMultistepScheduler(**UNIPC_CONFIG, flow_shift=3.0 if wan21 else 5.0)
    parts = dict(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=scheduler, transformer=transformer())
    if wan21:
        parts["image_encoder"] = CLIPVisionModel(
            CLIPVisionConfig(hidden_size=IMAGE_DIM, projection_dim=IMAGE_DIM, num_hidden_layers=3, num_attention_heads=2,
                             intermediate_size=64, image_size=32, patch_size=4, hidden_act="gelu")
        )
        # As the published image_processor/preprocessor_config.json (224 px there), at a 32 px crop.
        parts["image_processor"] = CLIPImageProcessor(
            crop_size={"height": 32, "width": 32}, size={"shortest_edge": 32}, resample=3, do_center_crop=True,
            image_mean=[0.48145466, 0.4578275, 0.40821073], image_std=[0.26862954, 0.26130258, 0.27577711],
        )
    else:
        parts["transformer_2"] = transformer()
        parts["boundary_ratio"] = 0.9
    pipe = WanImageToVideoPipeline(**parts)
    pipe.save_pretrained(out, safe_serialization=True)
    import shutil

    shutil.rmtree(os.path.join(out, ".tok"), ignore_errors=True)
    # As the Hub's model_index.json names them (transformers 5 saves its PIL fallback class name when
    # torchvision is missing; loading "CLIPImageProcessor" falls back to the same class).
    index_file = os.path.join(out, "model_index.json")
    with open(index_file, encoding="utf-8") as f:
        index = json.load(f)
    if wan21:
        index["image_processor"] = ["transformers", "CLIPImageProcessor"]
    with open(index_file, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2)
    print(json.dumps({"built": out, "variant": variant, "vocab": vocab}))


def reference(model_dir, cases_file, out):
    from diffusers import WanImageToVideoPipeline
    from diffusers.utils import load_image

    pipe = WanImageToVideoPipeline.from_pretrained(model_dir, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        folder = os.path.join(out, case["name"])
        os.makedirs(folder, exist_ok=True)

        def save(name, tensor):
            array = tensor.detach().float().cpu().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
            np.save(os.path.join(folder, f"{name}.npy"), array.astype(np.float32))

        calls = []
        restore = []

        def wrap(obj, attr, make):
            original = getattr(obj, attr)
            setattr(obj, attr, make(original))
            restore.append((obj, attr, original))

        def traced_transformer(which):
            def make(forward):
                def run(*args, **kwargs):
                    result = forward(*args, **kwargs)
                    if not calls:
                        save("condition_input", kwargs["hidden_states"])
                    # With guidance each step calls cond, then uncond.
                    n = len(calls)
                    step, uncond = (n // 2, n % 2 == 1) if case["guidance"] > 1 else (n, False)
                    save(f"transformer_{step}{'_uncond' if uncond else ''}", result[0])
                    calls.append({"model": which, "t": float(kwargs["timestep"].flatten()[0])})
                    return result
                return run
            return make

        wrap(pipe.transformer, "forward", traced_transformer("transformer"))
        if pipe.transformer_2 is not None:
            wrap(pipe.transformer_2, "forward", traced_transformer("transformer_2"))

        def traced_prompt(encode):
            def run(*a, **k):
                positive, negative = encode(*a, **k)
                save("prompt_embeds", positive)
                if negative is not None:
                    save("negative_prompt_embeds", negative)
                return positive, negative
            return run

        wrap(pipe, "encode_prompt", traced_prompt)
        if pipe.image_encoder is not None:
            def traced_image(forward):
                def run(pixel_values, *a, **k):
                    save("clip_pixels", pixel_values)
                    result = forward(pixel_values, *a, **k)
                    save("image_embeds", result.hidden_states[-2])
                    return result
                return run

            wrap(pipe.image_encoder, "forward", traced_image)

        def traced_encode(encode):
            def run(x, *a, **k):
                save("vae_input", x)
                result = encode(x, *a, **k)
                save("vae_latent", result.latent_dist.mode() if hasattr(result, "latent_dist") else result[0].mode())
                return result
            return run

        def traced_decode(decode):
            def run(z, *a, **k):
                save("latents_denormalized", z)
                result = decode(z, *a, **k)
                save("decoded", result[0] if isinstance(result, tuple) else result.sample)
                return result
            return run

        def traced_prepare(prepare):
            def run(*a, **k):
                result = prepare(*a, **k)
                save("condition", result[1])
                return result
            return run

        wrap(pipe.vae, "encode", traced_encode)
        wrap(pipe.vae, "decode", traced_decode)
        wrap(pipe, "prepare_latents", traced_prepare)
        latents = torch.from_numpy(np.load(case["init_latents"]))
        image = load_image(case["image"])
        kwargs = {}
        if case.get("guidance_2") is not None:
            kwargs["guidance_scale_2"] = case["guidance_2"]
        started = time.perf_counter()
        frames = pipe(
            image=image,
            prompt=case["prompt"],
            negative_prompt=case.get("negative_prompt", ""),
            height=case["height"],
            width=case["width"],
            num_frames=case["frames"],
            num_inference_steps=case["steps"],
            guidance_scale=case["guidance"],
            latents=latents,
            output_type="pil",
            **kwargs,
        ).frames[0]
        seconds = time.perf_counter() - started
        save("frames", np.stack([np.asarray(f.convert("RGB"), dtype=np.uint8) for f in frames]).astype(np.float32))
        with open(os.path.join(folder, "record.json"), "w", encoding="utf-8") as f:
            json.dump({"calls": calls, "timesteps": [float(t) for t in pipe.scheduler.timesteps], "seconds": seconds}, f)
        for obj, attr, original in reversed(restore):
            setattr(obj, attr, original)
        if case.get("sensitivity"):
            sensitivity(pipe, case, image, latents, folder)
    print(json.dumps({"cases": [c["name"] for c in cases]}))


def sensitivity(pipe, case, image, latents, folder):
    """The same case with another prompt, and with the image tokens zeroed: the uint8 frames must
    move, or the parity says nothing about the text and image paths (random weights)."""
    def frames_of(**overrides):
        kwargs = dict(image=image, prompt=case["prompt"], negative_prompt=case.get("negative_prompt", ""),
                      height=case["height"], width=case["width"], num_frames=case["frames"],
                      num_inference_steps=case["steps"], guidance_scale=case["guidance"], latents=latents.clone(),
                      output_type="pil")
        kwargs.update(overrides)
        frames = pipe(**kwargs).frames[0]
        return np.stack([np.asarray(f.convert("RGB"), dtype=np.int16) for f in frames])

    base = frames_of()
    result = {}
    other = frames_of(prompt="the dog runs slowly")
    def moved(frames):
        d = np.abs(frames - base)
        # over_1: the share of values more than 1 level away, what parity's "99% within 1" catches.
        return {"max": int(d.max()), "mean": float(d.mean()), "over_1": float((d > 1).mean())}

    result["other_prompt"] = moved(other)
    if pipe.image_encoder is not None:
        encode_image = pipe.encode_image
        pipe.encode_image = lambda *a, **k: torch.zeros_like(encode_image(*a, **k))
        try:
            zeroed = frames_of()
        finally:
            pipe.encode_image = encode_image
        result["image_tokens_zeroed"] = moved(zeroed)
    with open(os.path.join(folder, "sensitivity.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)
    print(json.dumps({"sensitivity": result}))


def time_case(model_dir, cases_file, repeats):
    """Median wall time of WanImageToVideoPipeline.__call__ for the first case (loaded once, warmed up once)."""
    from diffusers import WanImageToVideoPipeline
    from diffusers.utils import load_image

    pipe = WanImageToVideoPipeline.from_pretrained(model_dir, torch_dtype=torch.float32)
    pipe.set_progress_bar_config(disable=True)
    with open(cases_file, encoding="utf-8") as f:
        case = json.load(f)[0]
    latents = torch.from_numpy(np.load(case["init_latents"]))
    image = load_image(case["image"])
    seconds = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        pipe(image=image, prompt=case["prompt"], negative_prompt=case.get("negative_prompt", ""), height=case["height"],
             width=case["width"], num_frames=case["frames"], num_inference_steps=case["steps"],
             guidance_scale=case["guidance"], latents=latents.clone(), output_type="pil")
        seconds.append(time.perf_counter() - started)
    runs = seconds[1:]
    print(json.dumps({"seconds": sorted(runs)[len(runs) // 2], "runs": runs}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--variant", choices=["wan2.1", "wan2.2"], required=True)
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
        build(args.variant, args.out)
    elif args.command == "time":
        time_case(args.model, args.cases, args.repeats)
    else:
        reference(args.model, args.cases, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
