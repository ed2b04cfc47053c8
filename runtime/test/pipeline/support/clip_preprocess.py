"""transformers' CLIPImageProcessor on raw RGB images, for the TypeScript port's test.

stdin: {"dir": D, "images": [[width, height], ...]}; D/i.rgb holds image i (RGB24). Writes
D/i.f32 with pixel_values[0] (float32, 3 x 224 x 224) and prints the processor's class name.
"""

import json
import sys

import numpy as np
from PIL import Image
from transformers import CLIPImageProcessor

spec = json.load(sys.stdin)
processor = CLIPImageProcessor()  # OpenAI CLIP's defaults, as Wan 2.1's preprocessor_config.json
for i, (width, height) in enumerate(spec["images"]):
    with open(f"{spec['dir']}/{i}.rgb", "rb") as f:
        image = Image.frombytes("RGB", (width, height), f.read())
    pixels = processor(images=image, return_tensors="np")["pixel_values"][0]
    pixels.astype(np.float32).tofile(f"{spec['dir']}/{i}.f32")
print(type(processor).__name__)
