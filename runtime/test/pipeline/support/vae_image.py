"""diffusers' VideoProcessor.preprocess (what WanImageToVideoPipeline runs on the input image).

stdin: {"dir": D, "images": [[width, height, out_width, out_height], ...]}; D/i.rgb holds image i.
Writes D/i.f32 (float32, 3 x out_height x out_width).
"""

import json
import sys

import numpy as np
from diffusers.video_processor import VideoProcessor
from PIL import Image

spec = json.load(sys.stdin)
processor = VideoProcessor(vae_scale_factor=8)  # as the pipeline builds it (vae_scale_factor_spatial)
for i, (width, height, out_width, out_height) in enumerate(spec["images"]):
    with open(f"{spec['dir']}/{i}.rgb", "rb") as f:
        image = Image.frombytes("RGB", (width, height), f.read())
    pixels = processor.preprocess(image, height=out_height, width=out_width)[0].numpy()
    pixels.astype(np.float32).tofile(f"{spec['dir']}/{i}.f32")
print("ok")
