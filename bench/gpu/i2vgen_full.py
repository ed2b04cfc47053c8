"""I2VGen-XL at its published sizes with random weights, for the full-size bench and the GPU check.

The configs are those of ali-vilab/i2vgen-xl on the Hugging Face Hub (unet/config.json,
vae/config.json; the text and image encoders are OpenCLIP ViT-H/14's, as the model card of the
I2VGen-XL paper says: Zhang et al., arXiv:2311.04145, Nov 2023). They are written here because the
Hub is not reachable from the machines this runs on; runtime/test/real-model/i2vgen-xl-config.ts
holds the same UNet and VAE values for the TypeScript tests. Standard library and torch/diffusers only.
"""

UNET = dict(
    sample_size=32,
    in_channels=4,
    out_channels=4,
    down_block_types=("CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "CrossAttnDownBlock3D", "DownBlock3D"),
    up_block_types=("UpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D", "CrossAttnUpBlock3D"),
    block_out_channels=(320, 640, 1280, 1280),
    layers_per_block=2,
    norm_num_groups=32,
    cross_attention_dim=1024,
    attention_head_dim=64,
    num_attention_heads=None,
)
VAE = dict(
    block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4,
    up_block_types=("UpDecoderBlock2D",) * 4,
    latent_channels=4,
    layers_per_block=2,
    norm_num_groups=32,
    sample_size=768,
    scaling_factor=0.18125,
    force_upcast=True,
)
TEXT = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=23, num_attention_heads=16,
            max_position_embeddings=77, vocab_size=49408, hidden_act="gelu", projection_dim=1024)
VISION = dict(hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=16,
              image_size=224, patch_size=14, hidden_act="gelu", projection_dim=1024)
SCHEDULER = dict(beta_start=0.0001, beta_end=0.02, beta_schedule="squaredcos_cap_v2", clip_sample=False,
                 num_train_timesteps=1000, prediction_type="v_prediction", rescale_betas_zero_snr=True,
                 set_alpha_to_one=True, steps_offset=1, timestep_spacing="leading")
# A tiny model with the same structure, for --dry-run on a CPU.
TINY_UNET = dict(UNET, sample_size=16, block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8,
                 cross_attention_dim=32, attention_head_dim=4,
                 down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"), up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"))
TINY_VAE = dict(VAE, block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
                up_block_types=("UpDecoderBlock2D",) * 2, layers_per_block=1, norm_num_groups=4, sample_size=64)
TINY_TEXT = dict(TEXT, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, vocab_size=1000, projection_dim=32)
TINY_VISION = dict(VISION, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, image_size=32, patch_size=4, projection_dim=32)


def build_unet(config, dtype=None, seed=0):
    import torch
    from diffusers import I2VGenXLUNet

    torch.manual_seed(seed)
    unet = I2VGenXLUNet(**config).eval()
    return unet.to(dtype) if dtype is not None else unet


def build_pipeline(tiny, dtype=None, seed=0):
    """The whole I2VGenXLPipeline with random weights (full size or tiny), no tokenizer files needed."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, I2VGenXLPipeline
    from transformers import (CLIPImageProcessor, CLIPTextConfig, CLIPTextModel, CLIPTokenizer,
                              CLIPVisionConfig, CLIPVisionModelWithProjection)

    torch.manual_seed(seed)
    text = TINY_TEXT if tiny else TEXT
    vision = TINY_VISION if tiny else VISION
    import json
    import os
    import tempfile

    # A byte-level vocabulary with the specials: prompts tokenize, nothing is downloaded.
    folder = tempfile.mkdtemp(prefix="i2v-tok-")
    chars = [chr(c) for c in range(33, 127)]
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(vocab) + i for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump(vocab, f)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n")
    tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"), model_max_length=77)
    pipe = I2VGenXLPipeline(
        vae=AutoencoderKL(**(TINY_VAE if tiny else VAE)),
        text_encoder=CLIPTextModel(CLIPTextConfig(**text, bos_token_id=len(vocab) - 2, eos_token_id=len(vocab) - 1, pad_token_id=len(vocab) - 1)),
        tokenizer=tokenizer,
        image_encoder=CLIPVisionModelWithProjection(CLIPVisionConfig(**vision)),
        feature_extractor=CLIPImageProcessor(crop_size={"height": vision["image_size"], "width": vision["image_size"]},
                                             size={"shortest_edge": vision["image_size"]}),
        unet=build_unet(TINY_UNET if tiny else UNET),
        scheduler=DDIMScheduler(**SCHEDULER),
    )
    if dtype is not None:
        pipe = pipe.to(dtype=dtype)
    return pipe
