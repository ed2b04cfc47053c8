"""Pillow's own resize for the port's test: reads cases as JSON on stdin, writes raw RGB bytes.

stdin: {"source": "<path of raw RGB24>", "width": W, "height": H,
        "cases": [{"filter": "lanczos", "width": w, "height": h}, ...]}
Writes each case's output to <source>.<index>.rgb and prints Pillow's version.
"""

import json
import sys

from PIL import Image

FILTERS = {
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}

spec = json.load(sys.stdin)
with open(spec["source"], "rb") as f:
    image = Image.frombytes("RGB", (spec["width"], spec["height"]), f.read())
for i, case in enumerate(spec["cases"]):
    out = image.resize((case["width"], case["height"]), resample=FILTERS[case["filter"]])
    with open(f"{spec['source']}.{i}.rgb", "wb") as f:
        f.write(out.tobytes())
print(Image.__version__ if hasattr(Image, "__version__") else __import__("PIL").__version__)
